package dev.nnet.emit;

import com.squareup.javapoet.ClassName;
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
final class HalfEmitter {
  static final String BF16_VECTOR = "bf16Vector", FP16_VECTOR = "fp16Vector";
  private static final ClassName SHORT_VECTOR = ClassName.get("jdk.incubator.vector", "ShortVector");
  private static final ClassName INT_VECTOR = ClassName.get("jdk.incubator.vector", "IntVector");
  private static final ClassName OPS = ClassName.get("jdk.incubator.vector", "VectorOperators");

  private final EmitContext ctx;
  private final Model.Mixed format;

  HalfEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.format = ctx.mixed();
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
    return "to" + (format == Model.Mixed.BF16 ? "Bf16" : "Fp16") + "(" + src + ", " + from + ", " + dst + ", " + to + ", " + n + ")";
  }

  /** The static method encoding one float: bf16Bits or fp16Bits. */
  String scalarEncoder() {
    return format == Model.Mixed.BF16 ? "bf16Bits" : "fp16Bits";
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
    int lanes = ctx.lanes();
    // (each helper converts in its own body: a vector passed to or returned from a call that C2 does not inline is boxed)
    if (format == Model.Mixed.BF16) {
      out.add(MethodSpec.methodBuilder(BF16_VECTOR).addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(V)
          .addParameter(short[].class, "h").addParameter(int.class, "i")
          .addJavadoc("$L bf16 values from h[i] as floats: each the top half of its float.\n", lanes)
          .addStatement("return (($T) $T.fromArray(HALF, h, i).convertShape($T.S2I, INTS, 0)).lanewise($T.LSHL, 16).reinterpretAsFloats()",
              INT_VECTOR, SHORT_VECTOR, OPS, OPS).build());
      out.add(MethodSpec.methodBuilder("bf16Bits").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(short.class)
          .addParameter(float.class, "f")
          .addJavadoc("f as bf16, rounded to nearest even; as toBf16 does it (a NaN stays NaN or becomes an infinity, never finite).\n")
          .addStatement("int x = Float.floatToRawIntBits(f), a = x & 0x7fffffff")
          .addStatement("return (short) (Math.min((a + 0x7fff + ((a >>> 16) & 1)) >>> 16, 0x7fc0) | ((x >>> 16) & 0x8000))").build());
      out.add(encoder("toBf16", "bf16Bits", List.of(
          CodeStatement.of("$T x = $T.fromArray(S, src, from + i).reinterpretAsInts()", INT_VECTOR, V),
          CodeStatement.of("$T a = x.and(0x7fffffff)", INT_VECTOR),
          CodeStatement.of("$T rounded = a.add(a.lanewise($T.LSHR, 16).and(1)).add(0x7fff).lanewise($T.LSHR, 16).min(0x7fc0)", INT_VECTOR, OPS, OPS),
          CodeStatement.of("(($T) rounded.or(x.lanewise($T.LSHR, 16).and(0x8000)).convertShape($T.I2S, HALF, 0)).intoArray(dst, to + i)", SHORT_VECTOR, OPS, OPS))));
    } else {
      out.add(MethodSpec.methodBuilder(FP16_VECTOR).addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(V)
          .addParameter(short[].class, "h").addParameter(int.class, "i")
          .addJavadoc("$L fp16 values from h[i] as floats: the magnitude's bits moved into a float's place and scaled by\n"
              + "2^112 (which also makes subnormals right), infinities and NaN kept, the sign put back.\n", lanes)
          .addStatement("$T x = ($T) $T.fromArray(HALF, h, i).convertShape($T.S2I, INTS, 0)", INT_VECTOR, INT_VECTOR, SHORT_VECTOR, OPS)
          .addStatement("$T mag = x.and(0x7fff).lanewise($T.LSHL, 13)", INT_VECTOR, OPS)
          .addStatement("$T f = mag.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts()", INT_VECTOR)
          .addComment("all ones where the exponent is all ones (infinity, NaN): a comparison as a sign, since blends with")
          .addComment("masks are not compiled to vector code on JDK 17 (they allocated in every call)")
          .addStatement("$T special = mag.sub(0x0f800000).lanewise($T.ASHR, 31).not()", INT_VECTOR, OPS)
          .addStatement("f = f.lanewise($T.XOR, f.lanewise($T.XOR, mag.or(0x7f800000)).and(special))", OPS, OPS)
          .addStatement("return f.or(x.and(0x8000).lanewise($T.LSHL, 16)).reinterpretAsFloats()", OPS).build());
      out.add(MethodSpec.methodBuilder("fp16ToFloat").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(float.class)
          .addParameter(short.class, "h")
          .addJavadoc("One fp16 value as a float, as $L does it.\n", FP16_VECTOR)
          .addStatement("int mag = (h & 0x7fff) << 13")
          .addStatement("float f = mag >= 0x0f800000 ? Float.intBitsToFloat(mag | 0x7f800000) : Float.intBitsToFloat(mag) * TWO_112")
          .addStatement("return (h & 0x8000) != 0 ? -f : f").build());
      out.add(MethodSpec.methodBuilder("fp16Bits").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(short.class)
          .addParameter(float.class, "f")
          .addJavadoc("f as fp16, rounded to nearest even: beyond 65504 infinity, below 2^-14 subnormal (F. Giesen's method).\n")
          .addStatement("int x = Float.floatToRawIntBits(f)")
          .addStatement("int sign = (x >>> 16) & 0x8000, a = x & 0x7fffffff, o")
          .addStatement("if (a >= 0x47800000) o = a > 0x7f800000 ? 0x7e00 : 0x7c00")
          .addStatement("else if (a < 0x38800000) o = Float.floatToRawIntBits(Float.intBitsToFloat(a) + 0.5f) - 0x3f000000")
          .addStatement("else o = (a + 0xc8000fff + ((a >>> 13) & 1)) >>> 13")
          .addStatement("return (short) (o | sign)").build());
      out.add(encoder("toFp16", "fp16Bits", List.of(
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

  /** toBf16/toFp16(src, from, dst, to, n): whole vectors by {@code body}, the rest one by one with {@code scalar}. */
  private MethodSpec encoder(String name, String scalar, List<CodeStatement> body) {
    int lanes = ctx.lanes();
    MethodSpec.Builder mb = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(float[].class, "src").addParameter(int.class, "from").addParameter(short[].class, "dst").addParameter(int.class, "to")
        .addParameter(int.class, "n")
        .addJavadoc("Encodes src[from..from+n) into dst[to..to+n), rounding to nearest even: $L lanes at a time, then one by one.\n", lanes)
        .addStatement("int i = 0")
        .beginControlFlow("for (; i <= n - $L; i += $L)", lanes, lanes);
    for (CodeStatement st : body) mb.addStatement(st.format(), st.args());
    return mb.endControlFlow()
        .addStatement("for (; i < n; i++) dst[to + i] = $L(src[from + i])", scalar).build();
  }
}
