/*
 * The .nnet language: a network and its training, top to bottom.
 *
 * Lines matter: a setting or a chain of layers ends at the end of its line, except inside
 * ( ) and [ ], and after '->', ',' or 'then', where a line may continue. Everything that
 * names an operation (dense, relu, adam, idx, ...) is an ordinary identifier here; the
 * analysis stage decides what it means, so the grammar never needs to change when an
 * operation is added.
 */
grammar Nnet;

@lexer::members {
  /** Depth of ( and [ nesting: a newline inside them does not end a line. */
  private int nesting = 0;
}

file      : NL* (item (NL+ item)*)? NL* EOF ;

item      : LET name=IDENT ASSIGN init=expr (SEARCH domain=expr)?           # letItem
          | NETWORK LBRACE layers RBRACE                                    # networkItem
          | key=IDENT LBRACE NL* (setting (NL+ setting)*)? NL* RBRACE       # blockItem
          | FROM path=STRING LOAD names+=layerName (COMMA names+=layerName)*
                (except=IDENT excluded+=layerName (COMMA excluded+=layerName)*)?   # fromItem
          | BLOCK name=IDENT params? LBRACE layers RBRACE                   # blockDefItem
          | key=IDENT names+=layerName (COMMA names+=layerName)* at=IDENT unit=IDENT when=NUMBER   # unfreezeItem
          | setting                                                         # settingItem
          ;

/* network { ... }: chains of layers, one chain per line, joined by '->'. */
layers    : NL* (chain (NL+ chain)*)? NL* ;
chain     : layer (NL* ARROW NL* layer)* ;
layer     : REPEAT (var=IDENT IN)? from=expr (DOTDOT to=expr)? LBRACE layers RBRACE   # repeatLayer
          | op=IDENT arguments? (LBRACE layers RBRACE)? (AS alias=layerName)?            # opLayer
          ;
/* The words that came with blocks may still name a layer, as they could before: dense(64) as block. */
layerName : IDENT | BLOCK | REPEAT | IN ;

/* block name(param, param: default) { layers }: a reusable piece of network, used like an operation. */
params    : LPAREN (param (COMMA param)* COMMA?)? RPAREN ;
param     : name=IDENT (COLON expr)? ;

/* key value, value ...   |   key(arguments)   |   key value then value */
setting   : key=settingKey arguments? (value (COMMA NL* value)*)? ;
settingKey: IDENT | SEARCH ;
value     : expr (THEN NL* expr)* ;

expr      : MINUS expr                                    # negate
          | expr op=(STAR | SLASH) expr                   # mulDiv
          | expr op=(PLUS | MINUS) expr                   # addSub
          | NUMBER                                        # number
          | STRING                                        # string
          | IDENT arguments?                              # nameOrCall
          | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK    # list
          | LPAREN expr RPAREN                            # paren
          ;

arguments : LPAREN (argument (COMMA argument)* COMMA?)? RPAREN ;
argument  : (name=word COLON)? expr ;
/* Argument names may be any word, keywords included: warmup(from: 1e-5). */
word      : IDENT | LET | NETWORK | SEARCH | THEN | FROM | LOAD | AS | BLOCK | REPEAT | IN ;

LET       : 'let' ;
NETWORK   : 'network' ;
SEARCH    : 'search' ;
THEN      : 'then' ;
FROM      : 'from' ;
LOAD      : 'load' ;
AS        : 'as' ;
BLOCK     : 'block' ;
REPEAT    : 'repeat' ;
IN        : 'in' ;

ARROW     : '->' ;
DOTDOT    : '..' ;
ASSIGN    : '=' ;
COLON     : ':' ;
COMMA     : ',' ;
PLUS      : '+' ;
MINUS     : '-' ;
STAR      : '*' ;
SLASH     : '/' ;
LBRACE    : '{' ;
RBRACE    : '}' ;
LPAREN    : '(' { nesting++; } ;
RPAREN    : ')' { if (nesting > 0) nesting--; } ;
LBRACK    : '[' { nesting++; } ;
RBRACK    : ']' { if (nesting > 0) nesting--; } ;

NUMBER    : DIGITS ('.' DIGITS)? EXPONENT?
          | DIGITS '.' {_input.LA(1) != '.'}? EXPONENT?    // "1." is a number, "1..3" a range
          | '.' DIGITS EXPONENT? ;
STRING    : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* ;
IDENT     : [a-zA-Z_] [a-zA-Z_0-9]* ;

NL        : ('\r'? '\n' | '\r') { if (nesting > 0) skip(); } ;
COMMENT   : '#' ~[\r\n]* -> channel(HIDDEN) ;   // kept for nnet fmt; the parser never sees it
WS        : [ \t\f]+ -> skip ;
UNKNOWN_CHAR : . ;

fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;
