package dev.nnet.emit;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeSpec;
import dev.nnet.analysis.Model;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The 16-bit number formats of mixed precision, as static helpers of the generated trainer: encoding runs of
 * floats into shorts (round to nearest even) and decoding a vector of shorts back into floats, with the Vector
 * API's lane-wise bit operations. bf16 is the top half of a float: decoding is a shift. fp16 has 5 exponent and
 * 10 mantissa bits: values below 2^-14 become subnormal and below 2^-24 zero, which is why fp16 training scales
 * its loss.
 */
public final class HalfEmitter {
  private static final ClassName SHORT_VECTOR = ClassName.get("jdk.incubator.vector", "ShortVector");
  private static final ClassName INT_VECTOR = ClassName.get("jdk.incubator.vector", "IntVector");
  private static final ClassName OPS = ClassName.get("jdk.incubator.vector", "VectorOperators");
  private static final ClassName NNET_EXCEPTION = ClassName.get("dev.nnet.runtime", "NnetException");

  private final EmitContext ctx;
  private final Model.Mixed format;

  HalfEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.format = ctx.mixed();
  }

  /**
   * A vector of 16-bit values (as many as S has lanes) from {@code array[index]} decoded as floats, written out where it is used,
   * not called: a vector returned from a call C2 does not inline is boxed, and C2 inlines a helper this size only
   * at call sites it sees as hot, which a product's leftover tiles are not (fp16 steps allocated 2 kB on AVX2).
   * bf16 is the top half of a float: a shift. fp16: sign, exponent and mantissa moved into a float's places
   * and scaled by 2^112, which also makes subnormals right. (The trainer never decodes an fp16 infinity or NaN:
   * encoding one flags the step, which is then skipped.)
   */
  public static CodeBlock vectorDecode(String array, String index, Model.Mixed half) {
    CodeBlock widened = CodeBlock.of("(($T) $T.fromArray(HALF, $L, $L).convertShape($T.S2I, INTS, 0))", INT_VECTOR, SHORT_VECTOR, array, index, OPS);
    return switch (half) {
      case BF16 -> CodeBlock.of("$L.lanewise($T.LSHL, 16).reinterpretAsFloats()", widened, OPS);
      case FP16 -> CodeBlock.of("$L.lanewise($T.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(TWO_112)", widened, OPS);
      case NONE -> throw new IllegalArgumentException("not a 16-bit format");
    };
  }

  /** A scalar expression decoding {@code element} (a short) in {@code half}; the element itself when not 16-bit. */
  static String decode(String element, Model.Mixed half) {
    return switch (half) {
      case NONE -> element;
      case BF16 -> "Float.intBitsToFloat(" + element + " << 16)";
      case FP16 -> "fp16ToFloat(" + element + ")";
    };
  }

  /** The statement encoding {@code n} floats of {@code src} from {@code from} into {@code dst} from {@code to}. */
  String encode(String src, String from, String dst, String to, String n) {
    String call = "to" + (format == Model.Mixed.BF16 ? "Bf16" : "Fp16") + "(" + src + ", " + from + ", " + dst + ", " + to + ", " + n + ")";
    return format == Model.Mixed.BF16 ? call : "if (" + call + ") " + OVERFLOW + " = true";
  }

  /** The static method encoding one weight: bf16Bits, or fp16Weight (which refuses one beyond fp16's range). */
  String weightEncoder() {
    return format == Model.Mixed.BF16 ? "bf16Bits" : "fp16Weight";
  }

  void declare(TypeSpec.Builder cls) {
    int bits = ctx.vectorBits();
    cls.addField(FieldSpec.builder(ParameterizedTypeName.get(EmitContext.SPECIES, ClassName.get(Short.class)), "HALF", Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("16-bit lanes, as many as S has floats.\n").initializer("$T.SPECIES_$L", SHORT_VECTOR, bits / 2).build());
    cls.addField(FieldSpec.builder(ParameterizedTypeName.get(EmitContext.SPECIES, ClassName.get(Integer.class)), "INTS", Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("32-bit integer lanes, the shape of S.\n").initializer("$T.SPECIES_$L", INT_VECTOR, bits).build());
    if (format == Model.Mixed.FP16) {
      cls.addField(FieldSpec.builder(float.class, "TWO_112", Modifier.STATIC, Modifier.FINAL).addJavadoc("2^112: moves fp16's exponent bias (15) to float's (127).\n")
          .initializer("Float.intBitsToFloat(0x77800000)").build());
    }
  }

  List<MethodSpec> methods() {
    List<MethodSpec> out = new ArrayList<>();
    var V = ctx.vectorClass();
    if (format == Model.Mixed.BF16) {
      out.add(MethodSpec.methodBuilder("bf16Bits").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(short.class)
          .addParameter(float.class, "f")
          .addJavadoc("f as bf16, rounded to nearest even; as toBf16 does it (a NaN stays NaN or becomes an infinity, never finite).\n")
          .addStatement("int x = Float.floatToRawIntBits(f), a = x & 0x7fffffff")
          .addStatement("return (short) (Math.min((a + 0x7fff + ((a >>> 16) & 1)) >>> 16, 0x7fc0) | ((x >>> 16) & 0x8000))").build());
      out.add(encoder("toBf16", "bf16Bits", false, List.of(
          CodeStatement.of("$T x = $T.fromArray(S, src, from + i).reinterpretAsInts()", INT_VECTOR, V),
          CodeStatement.of("$T a = x.and(0x7fffffff)", INT_VECTOR),
          CodeStatement.of("$T rounded = a.add(a.lanewise($T.LSHR, 16).and(1)).add(0x7fff).lanewise($T.LSHR, 16).min(0x7fc0)", INT_VECTOR, OPS, OPS),
          CodeStatement.of("(($T) rounded.or(x.lanewise($T.LSHR, 16).and(0x8000)).convertShape($T.I2S, HALF, 0)).intoArray(dst, to + i)", SHORT_VECTOR, OPS, OPS))));
    } else {
      out.add(MethodSpec.methodBuilder("fp16ToFloat").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(float.class)
          .addParameter(short.class, "h")
          .addJavadoc("One finite fp16 value as a float, as the products' vector loads decode it (the short's sign extension supplies the sign bit).\n")
          .addStatement("return Float.intBitsToFloat((h << 13) & 0x8fffe000) * TWO_112").build());
      out.add(MethodSpec.methodBuilder("fp16Weight").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(short.class)
          .addParameter(float.class, "f")
          .addJavadoc("A weight as fp16; one beyond its range cannot be copied, and says so.\n")
          .addStatement("short h = fp16Bits(f)")
          .beginControlFlow("if ((h & 0x7c00) == 0x7c00)")
          .addStatement("throw new $T($S + f + $S, $S)", NNET_EXCEPTION, "a weight (", ") is beyond fp16's range (65,504) or not a number",
              "train in precision mixed(bf16), whose range is float32's")
          .endControlFlow()
          .addStatement("return h").build());
      out.add(MethodSpec.methodBuilder("fp16Bits").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(short.class)
          .addParameter(float.class, "f")
          .addJavadoc("f as fp16, rounded to nearest even: beyond 65504 infinity, below 2^-14 subnormal (F. Giesen's method).\n")
          .addStatement("int x = Float.floatToRawIntBits(f)")
          .addStatement("int sign = (x >>> 16) & 0x8000, a = x & 0x7fffffff, o")
          .addStatement("if (a >= 0x47800000) o = a > 0x7f800000 ? 0x7e00 : 0x7c00")
          .addStatement("else if (a < 0x38800000) o = Float.floatToRawIntBits(Float.intBitsToFloat(a) + 0.5f) - 0x3f000000")
          .addStatement("else o = (a + 0xc8000fff + ((a >>> 13) & 1)) >>> 13")
          .addStatement("return (short) (o | sign)").build());
      out.add(encoder("toFp16", "fp16Bits", true, List.of(
          CodeStatement.of("$T a = $T.fromArray(S, src, from + i).reinterpretAsInts().and(0x7fffffff)", INT_VECTOR, V),
          CodeStatement.of("$T sign = $T.fromArray(S, src, from + i).reinterpretAsInts().lanewise($T.LSHR, 16).and(0x8000)", INT_VECTOR, V, OPS),
          CodeStatement.of("$T normal = a.add(0xc8000fff).add(a.lanewise($T.LSHR, 13).and(1)).lanewise($T.LSHR, 13)", INT_VECTOR, OPS, OPS),
          CodeStatement.of("$T small = a.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3f000000)", INT_VECTOR),
          CodeStatement.of("$T nan = $T.broadcast(INTS, 0x7f800000).sub(a).lanewise($T.ASHR, 31)", INT_VECTOR, INT_VECTOR, OPS),
          CodeStatement.of("$T big = nan.and(0x0200).or(0x7c00)", INT_VECTOR),
          CodeStatement.of("$T isSmall = a.sub(0x38800000).lanewise($T.ASHR, 31)", INT_VECTOR, OPS),
          CodeStatement.of("$T isBig = a.sub(0x47800000).lanewise($T.ASHR, 31).not()", INT_VECTOR, OPS),
          CodeStatement.of("$T o = normal.lanewise($T.XOR, normal.lanewise($T.XOR, small).and(isSmall))", INT_VECTOR, OPS, OPS),
          CodeStatement.of("o = o.lanewise($T.XOR, o.lanewise($T.XOR, big).and(isBig))", OPS, OPS),
          CodeStatement.of("over = over.or(isBig)"),
          CodeStatement.of("(($T) o.or(sign).convertShape($T.I2S, HALF, 0)).intoArray(dst, to + i)", SHORT_VECTOR, OPS))));
    }
    return out;
  }

  /** A statement's format and arguments, for {@link #encoder}. */
  private record CodeStatement(String format, Object[] args) {
    static CodeStatement of(String format, Object... args) {
      return new CodeStatement(format, args);
    }
  }

  /**
   * toBf16/toFp16(src, from, dst, to, n): whole vectors by {@code body}, the rest one by one with {@code scalar}.
   * With {@code flags} (fp16) it returns whether any value was beyond the format's range or not a number.
   */
  private MethodSpec encoder(String name, String scalar, boolean flags, List<CodeStatement> body) {
    int lanes = ctx.lanes();
    MethodSpec.Builder mb = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(float[].class, "src").addParameter(int.class, "from").addParameter(short[].class, "dst").addParameter(int.class, "to")
        .addParameter(int.class, "n")
        .addJavadoc("Encodes src[from..from+n) into dst[to..to+n), rounding to nearest even: $L lanes at a time, then one by one.\n", lanes)
        .addStatement("int i = 0");
    if (flags) {
      mb.returns(boolean.class).addJavadoc("Returns whether any value overflowed (beyond 65,504, or not a number).\n")
          .addStatement("$T over = $T.zero(INTS)", INT_VECTOR, INT_VECTOR);
    }
    mb.beginControlFlow("for (; i <= n - $L; i += $L)", lanes, lanes);
    for (CodeStatement st : body) mb.addStatement(st.format(), st.args());
    mb.endControlFlow();
    if (!flags) return mb.addStatement("for (; i < n; i++) dst[to + i] = $L(src[from + i])", scalar).build();
    return mb.addStatement("boolean any = over.reduceLanes($T.OR) != 0", OPS)
        .beginControlFlow("for (; i < n; i++)")
        .addStatement("short h = $L(src[from + i])", scalar)
        .addStatement("dst[to + i] = h")
        .addStatement("any |= (h & 0x7c00) == 0x7c00")
        .endControlFlow()
        .addStatement("return any").build();
  }

  /** The field that records an fp16 overflow in this step's encodings: the step is then skipped, as for a non-finite gradient. */
  static final String OVERFLOW = "fp16Overflow";

  /** The statement encoding one value into {@code target} (an array element), an fp16 overflow recorded. */
  String encodeOne(String target, String value) {
    if (format == Model.Mixed.BF16) return target + " = bf16Bits(" + value + ")";
    return "if (((" + target + " = fp16Bits(" + value + ")) & 0x7c00) == 0x7c00) " + OVERFLOW + " = true";
  }

  /** The statement encoding weights: an fp16 weight beyond range stops training with an explanation. */
  String encodeWeights(String src, String from, String dst, String to, String n) {
    if (format == Model.Mixed.BF16) return encode(src, from, dst, to, n);
    return "if (toFp16(" + src + ", " + from + ", " + dst + ", " + to + ", " + n + ")) fp16Weight(Float.NaN)";
  }
}
