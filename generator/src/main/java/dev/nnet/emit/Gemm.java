package dev.nnet.emit;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
import dev.nnet.analysis.Model;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * One matrix product with every size and offset known: {@code C = init + A·B}, where
 * A(i,k) = a[aBase + i·aRow + k·aStep], B(k,j) = b[bBase + k·bRow + j], C(i,j) = c[cBase + i·cRow + j],
 * and init is a bias row or zero. Forward (y = x·W + b), the weight gradient (dW = xᵀ·dy) and the input
 * gradient (dx = dy·Wᵀ) of a dense layer are all this one form.
 *
 * <p>The vector form follows the measured study (shared/studies/codegen-shapes.md): a register tile of up
 * to 8 rows × 3 vectors of accumulators ({@link #tileRows}), fed by broadcast-FMA over k, with only the tile unrolled and all
 * bounds literal. Columns that do not fill a vector are done by a scalar tail.
 *
 * <p>The plain form, for JVMs without the Vector API module, reads B through {@code bRows}, one array
 * per row of B, and accumulates each row of C in the scratch row {@code acc}: C2 vectorizes
 * {@code acc[j] += a0*b0[j] + … + a3*b3[j]} over separate arrays indexed alike, but not the same loop
 * over one flat array at two offsets (the study measured 45 against 7 GFLOP/s).
 */
record Gemm(String name, String doc, int m, int n, int k,
            String a, String aBase, int aRow, int aStep,
            String b, String bBase, int bRow, String bRows,
            String c, String cBase, int cRow,
            String bias, String biasBase, List<String> epilogue, boolean squareTiles, boolean blockK, InPlacePatches inPlace,
            Model.Mixed aHalf, Model.Mixed bHalf) {

  Gemm(String name, String doc, int m, int n, int k, String a, String aBase, int aRow, int aStep, String b, String bBase, int bRow,
       String bRows, String c, String cBase, int cRow, String bias, String biasBase) {
    this(name, doc, m, n, k, a, aBase, aRow, aStep, b, bBase, bRow, bRows, c, cBase, cRow, bias, biasBase, List.of(), false, false, null,
        Model.Mixed.NONE, Model.Mixed.NONE);
  }

  /**
   * This product with 6×4 tiles where its columns are whole runs of 4 vectors but not of 3 (64 columns of
   * floats, say): 8×3 tiles would leave pairs of vectors, whose 8×2 tiles load 10 values per 16 multiply-adds
   * against 6×4's 10 per 24. Used by convolutions, whose filter counts are such multiples.
   */
  Gemm withSquareTiles() {
    return new Gemm(name, doc, m, n, k, a, aBase, aRow, aStep, b, bBase, bRow, bRows, c, cBase, cRow, bias, biasBase, epilogue, true, blockK, inPlace, aHalf, bHalf);
  }

  /**
   * This product with k cut into blocks whose strip of B fits in L1, and rows into panels whose part of C
   * and A fit in L2; the tiles then add each block to C. A convolution's weight gradient is 25,088 deep for
   * M5: unblocked, every row tile streamed the whole 6.4 MB output gradient from memory. Sums still run
   * over k in order, so results are the same bits.
   */
  Gemm withBlockedK() {
    return new Gemm(name, doc, m, n, k, a, aBase, aRow, aStep, b, bBase, bRow, bRows, c, cBase, cRow, bias, biasBase, epilogue, squareTiles, true, inPlace, aHalf, bHalf);
  }

  /**
   * Where A's rows are the patches of a channels-last image read in place (a direct convolution) rather than
   * rows of a patch matrix: row i is output pixel (sample, oy, ox) = (i / (outH·outW), i / outW % outH,
   * i % outW), whose patch starts at {@code sample·sampleSize + oy·rowStep + ox·pixelStep} of {@code a}, and
   * entry k = (tap, channel) lies {@code tap / kw · tapY + tap % kw · tapX + channel} past that. The sums run
   * over k in the patch matrix's order, so the results are the same bits as im2col's.
   */
  record InPlacePatches(int outH, int outW, int sampleSize, int rowStep, int pixelStep, int taps, int kw, int tapY, int tapX, int channels) {
    /** Where row {@code i}'s patch starts. */
    String origin(String i) {
      int pixels = outH * outW;
      String v = i.contains(" ") ? "(" + i + ")" : i;
      return sum(sum(times(v + " / " + pixels, sampleSize), times(v + " / " + outW + " % " + outH, rowStep)), times(v + " % " + outW, pixelStep));
    }
  }

  /** This product with A's rows read in place from an image, not from a patch matrix (see {@link InPlacePatches}). */
  Gemm withInPlacePatches(InPlacePatches patches) {
    if (patches.taps() * patches.channels() != k) throw new IllegalArgumentException(name + ": patch depth is not k");
    return new Gemm(name, doc, m, n, k, a, aBase, aRow, aStep, b, bBase, bRow, bRows, c, cBase, cRow, bias, biasBase, epilogue, squareTiles, blockK, patches, aHalf, bHalf);
  }

  /** The depth of one k block: its strip of B about 24 kB (half of a 48 kB L1), blocks equal. 0 when not blocked. */
  int kBlock(EmitContext ctx) {
    if (!blockK || !ctx.vector() || split(ctx) == Split.COLUMNS) return 0;
    int stripBytes = vectorsPerTile(ctx) * ctx.lanes() * (ctx.f32() ? 4 : 8);
    int depth = 24 * 1024 / stripBytes;
    if (k < depth * 3 / 2) return 0;
    int blocks = (k + depth - 1) / depth;
    return (k + blocks - 1) / blocks;
  }

  /** Rows of one panel: its rows of C (~128 kB) and of the A block (~256 kB) stay in a 1 MB L2. */
  private int panelRows(EmitContext ctx, int kBlock) {
    int bytes = ctx.f32() ? 4 : 8, tile = rowsPerTile(ctx);
    int rows = Math.min(128 * 1024 / (n * bytes), 256 * 1024 / (kBlock * bytes));
    return Math.max(tile, rows / tile * tile);
  }

  private boolean square(EmitContext ctx) {
    int vectors = n / Math.max(1, ctx.lanes());
    return squareTiles && ctx.vectorBits() >= 512 && vectors % 4 == 0 && vectors % 3 != 0;
  }

  private int rowsPerTile(EmitContext ctx) {
    return square(ctx) ? 6 : tileRows(ctx);
  }

  private int vectorsPerTile(EmitContext ctx) {
    return square(ctx) ? 4 : tileVectors(ctx);
  }

  /**
   * This product, followed in each part by {@code calls} on the columns c0..c1−1 it just computed: the
   * columnwise layers after it (forward) or before it (backward) run while those columns are in this core's
   * cache, and on every core. Only a product shared by columns has such an epilogue.
   */
  Gemm withEpilogue(List<String> calls) {
    return new Gemm(name, doc, m, n, k, a, aBase, aRow, aStep, b, bBase, bRow, bRows, c, cBase, cRow, bias, biasBase, List.copyOf(calls), squareTiles, blockK, inPlace, aHalf, bHalf);
  }

  /**
   * This product with A read from {@code halfA} and B from {@code halfB} (either may be null: that operand
   * stays), short arrays of the same layout holding 16-bit copies in {@code format}: decoded as they are
   * loaded, the sums in float32 (mixed precision).
   */
  Gemm withHalves(String halfA, String halfB, Model.Mixed format) {
    return withHalves(halfA, halfB, bBase, format);
  }

  /** The same, B's copy starting at {@code halfBBase} (a weight's copy starts at 0, the weight in the arena at its offset). */
  Gemm withHalves(String halfA, String halfB, String halfBBase, Model.Mixed format) {
    return new Gemm(name, doc, m, n, k, halfA != null ? halfA : a, aBase, aRow, aStep, halfB != null ? halfB : b, halfBBase, bRow, bRows, c, cBase, cRow,
        bias, biasBase, epilogue, squareTiles, blockK, inPlace, halfA != null ? format : Model.Mixed.NONE, halfB != null ? format : Model.Mixed.NONE);
  }

  /** A vector of B's row at {@code index}: loaded, or loaded and decoded from 16 bits. */
  private CodeBlock loadB(EmitContext ctx, String index) {
    return switch (bHalf) {
      case NONE -> CodeBlock.of("$T.fromArray(S, $L, $L)", ctx.vectorClass(), b, index);
      case BF16, FP16 -> HalfEmitter.vectorDecode(b, index, bHalf);
    };
  }

  /** One element of {@code array} at {@code index}, decoded when that operand is 16-bit. */
  private static String element(String array, String index, Model.Mixed half) {
    return HalfEmitter.decode(array + "[" + index + "]", half);
  }

  static final String SCRATCH = "acc";

  /**
   * The register tile: rows of A × vectors of B, one accumulator each. Measured on a 784-deep product
   * (64×784·784×256) on AVX-512, whose 32 vector registers hold 8×3 accumulators plus 3 B vectors and a
   * broadcast: 8×3 172–175 GFLOP/s, 6×4 163–165, 6×2 135, 4×4 119–123. With 256-bit vectors (AVX2, 16
   * registers, measured with -XX:UseAVX=2): 6×2 102–104, 4×3 72–74, 4×4 66–68, 8×3 60 (spills).
   */
  static int tileRows(EmitContext ctx) {
    return ctx.vectorBits() >= 512 ? 8 : 6;
  }

  static int tileVectors(EmitContext ctx) {
    return ctx.vectorBits() >= 512 ? 3 : 2;
  }

  /** How a product is shared among threads: by columns of C, by rows of C, or not at all. */
  enum Split { NONE, COLUMNS, ROWS }

  /**
   * Columns when B is the larger operand (each thread then reads its own share of B: the weights in the
   * forward pass and the input gradient), rows otherwise (the weight gradient, whose A is the layer input);
   * none for small products or when there are fewer than two units to share.
   */
  Split split(EmitContext ctx) {
    if (!ctx.threaded() || (long) m * n * k < Tasks.MIN_MACS) return Split.NONE;
    int strips = n / ctx.lanes() / vectorsPerTile(ctx), rowTiles = m / rowsPerTile(ctx);
    if ((long) k * n >= (long) m * k && strips >= 2) return Split.COLUMNS;
    if (rowTiles >= 2) return Split.ROWS;
    return strips >= 2 ? Split.COLUMNS : Split.NONE;
  }

  /** The statement that computes this product: a plain call, or {@code split(TASK_…)} on the team. */
  String call(EmitContext ctx) {
    return split(ctx) == Split.NONE ? name + "()" : ctx.tasks().call(name);
  }

  /** The methods computing this product: a driver named {@link #name} plus its tile kernels. */
  List<MethodSpec> emit(EmitContext ctx) {
    List<MethodSpec> out = new ArrayList<>();
    MethodSpec.Builder driver = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE).addJavadoc("$L\n", doc);
    if (inPlace != null && (!ctx.vector() || kBlock(ctx) > 0 || n % ctx.lanes() != 0)) {
      throw new IllegalStateException(name + ": patches read in place need the vector form, unblocked, whole vectors of columns");
    }
    if (!ctx.vector()) {
      if (aHalf != Model.Mixed.NONE || bHalf != Model.Mixed.NONE) throw new IllegalStateException(name + ": 16-bit operands need the vector form");
      driver.addCode(rows(ctx));
      out.add(driver.build());
      return out;
    }
    int lanes = ctx.lanes();
    int tileRows = rowsPerTile(ctx), tileVectors = vectorsPerTile(ctx);
    int vectors = n / lanes;                       // full vectors per row
    int stripWidth = tileVectors * lanes;
    int fullRows = m / tileRows * tileRows;
    int restRows = m % tileRows;
    int tail = vectors * lanes;
    Split split = split(ctx);
    String i0 = "0", i1 = Integer.toString(fullRows), last = "true";
    if (split != Split.NONE) {
      driver.addParameter(int.class, "part").addParameter(int.class, "parts");
      last = "part == parts - 1";
    }
    if (split == Split.ROWS) {
      driver.addJavadoc("<p>Shared by rows: each part takes a run of the $L tiles of $L rows.\n", fullRows / tileRows, tileRows);
      driver.addStatement("int i0 = $L * part / parts * $L, i1 = $L * (part + 1) / parts * $L", fullRows / tileRows, tileRows,
          fullRows / tileRows, tileRows);
      i0 = "i0";
      i1 = "i1";
    }
    if (split == Split.COLUMNS) {
      // Equal shares of whole vectors, not of strips: 16 vectors are 5 strips of 3 and a vector, and a
      // 2 + 3 split left one core waiting for the other a quarter of the time.
      driver.addJavadoc("<p>Shared by columns: each part takes an equal run of the $L vectors of $L columns.\n", vectors, lanes);
      driver.addStatement("int j = $L * part / parts * $L, end = $L * (part + 1) / parts * $L", vectors, lanes, vectors, lanes);
    }
    boolean twin = hasTwin(ctx);
    if (twin) {
      String rows = split == Split.ROWS ? "i0, " + (restRows > 0 ? last + " ? " + m + " : i1" : "i1") : "0, " + m;
      String columns = split == Split.COLUMNS ? "j, end" : "0, " + tail;
      driver.beginControlFlow("if (!$L)", VECTOR_TILES)
          .addComment("until the tiles are compiled: the same sums, one fused multiply-add at a time (the same bits)")
          .addStatement("$T.product($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", RuntimeTypes.SCALAR_TWINS,
              a, aBase, aRow, aStep, b, bBase, bRow, c, cBase, cRow, bias == null ? "null" : bias, bias == null ? "0" : biasBase, k, rows, columns)
          .nextControlFlow("else");
    }
    // Column strips outer, row tiles inner: one strip of B (k × tileVectors vectors) stays in cache while
    // every row tile of A streams past it, instead of all of B streaming once per row tile.
    // Strips as forEachStrip makes them.
    if (split == Split.COLUMNS) {
      if (tileVectors > 2) {
        driver.beginControlFlow("for (; end - j >= $L || end - j == $L; j += $L)", (tileVectors + 2) * lanes, stripWidth, stripWidth);
      } else {
        driver.beginControlFlow("for (; end - j >= $L; j += $L)", stripWidth, stripWidth);
      }
      rowTiles(driver, "j", tileVectors, i0, i1, fullRows, restRows, split, last, out, ctx);
      driver.endControlFlow();
      if (tileVectors > 2) {
        driver.beginControlFlow("for (; end - j >= $L; j += $L)", 2 * lanes, 2 * lanes);
        rowTiles(driver, "j", 2, i0, i1, fullRows, restRows, split, last, out, ctx);
        driver.endControlFlow();
      }
      driver.beginControlFlow("if (j < end)");
      rowTiles(driver, "j", 1, i0, i1, fullRows, restRows, split, last, out, ctx);
      driver.endControlFlow();
    } else if (kBlock(ctx) > 0) {
      blockedDriver(driver, vectors, i0, i1, fullRows, restRows, split, last, out, ctx);
    } else {
      final String from = i0, to = i1, lastPart = last;
      forEachStrip(driver, vectors, ctx, (col, vecs) -> rowTiles(driver, col, vecs, from, to, fullRows, restRows, split, lastPart, out, ctx));
    }
    if (twin) driver.endControlFlow();
    // Columns that do not fill a vector are scalar. (Narrower species for them measured 40x slower on
    // JDK 17 here: C2 did not intrinsify them alongside the preferred one.)
    if (tail < n) {
      String tailName = name + "Tail";
      if (split == Split.ROWS) driver.addStatement("$L(i0, $L ? $L : i1)", tailName, last, m);
      else if (split == Split.COLUMNS) driver.addStatement("if ($L) $L(0, $L)", last, tailName, m);
      else driver.addStatement("$L(0, $L)", tailName, m);
      out.add(MethodSpec.methodBuilder(tailName).addModifiers(Modifier.PRIVATE)
          .addParameter(int.class, "i0").addParameter(int.class, "i1")
          .addJavadoc("Columns $L..$L of $L, which do not fill a vector, for rows i0..i1-1.\n", tail, n - 1, name)
          .addCode(scalarColumns(ctx, tail)).build());
    }
    if (!epilogue.isEmpty()) {
      if (split != Split.COLUMNS) throw new IllegalStateException(name + ": an epilogue needs a product shared by columns");
      driver.addJavadoc("<p>Then, on the same columns: $L.\n", String.join(", ", epilogue));
      driver.addComment("then the columnwise layers, on the columns this part computed");
      driver.addStatement("int c0 = $L * part / parts * $L, c1 = $L ? $L : $L * (part + 1) / parts * $L", vectors, lanes, last, n, vectors, lanes);
      for (String call : epilogue) driver.addStatement("$L", call);
    }
    out.add(0, driver.build());
    return out;
  }

  /**
   * The blocked order: panels of rows, within each the k blocks, within each the column strips and the
   * panel's row tiles; then the leftover rows (in the last part), block by block.
   */
  private void blockedDriver(MethodSpec.Builder driver, int vectors, String i0, String i1, int fullRows, int restRows,
                             Split split, String last, List<MethodSpec> out, EmitContext ctx) {
    int kb = kBlock(ctx), panel = panelRows(ctx, kb), tileRows = rowsPerTile(ctx);
    driver.addJavadoc("<p>k in blocks of $L, rows in panels of $L.\n", kb, panel);
    if (fullRows > 0) {
      driver.beginControlFlow("for (int p = $L; p < $L; p += $L)", i0, i1, panel);
      driver.addStatement("int pEnd = Math.min(p + $L, $L)", panel, i1);
      for (boolean add : new boolean[] {false, true}) {
        kBlocks(driver, kb, add);
        forEachStrip(driver, vectors, ctx, (col, vecs) ->
            driver.addStatement("for (int i = p; i < pEnd; i += $L) $L(i, " + col + ", k0, k1)", tileRows, tile(tileRows, vecs, out, ctx, add)));
        driver.endControlFlow();
      }
      driver.endControlFlow();
    }
    if (restRows > 0) {
      if (split == Split.ROWS) driver.beginControlFlow("if ($L)", last);
      for (boolean add : new boolean[] {false, true}) {
        kBlocks(driver, kb, add);
        forEachStrip(driver, vectors, ctx, (col, vecs) -> driver.addStatement("$L($L, " + col + ", k0, k1)", tile(restRows, vecs, out, ctx, add), fullRows));
        driver.endControlFlow();
      }
      if (split == Split.ROWS) driver.endControlFlow();
    }
  }

  /** Opens the first k block (which starts C), or the loop over the others (which add to it). */
  private void kBlocks(MethodSpec.Builder driver, int kb, boolean add) {
    if (!add) {
      driver.beginControlFlow("").addStatement("int k0 = 0, k1 = $L", kb);
    } else {
      driver.beginControlFlow("for (int k0 = $L; k0 < $L; k0 += $L)", kb, k, kb);
      driver.addStatement("int k1 = Math.min(k0 + $L, $L)", kb, k);
    }
  }

  /**
   * The column strips of a product not shared by columns: strips of tileVectors vectors, then pairs, then a
   * lone vector: never a lone vector where two pairs fit (a 1-vector tile does 8 broadcasts per 8 multiply-adds
   * and runs at a third of the speed). {@code strip} gets the first column (a loop's {@code j}, or a literal)
   * and the vectors per tile.
   */
  private void forEachStrip(MethodSpec.Builder driver, int vectors, EmitContext ctx, java.util.function.BiConsumer<String, Integer> strip) {
    int tileVectors = vectorsPerTile(ctx), lanes = ctx.lanes(), stripWidth = tileVectors * lanes;
    int strips = 0, rest = vectors;
    while (rest >= tileVectors && rest != tileVectors + 1) {
      strips++;
      rest -= tileVectors;
    }
    int pairs = tileVectors > 2 ? rest / 2 : 0, col = strips * stripWidth;
    if (strips > 0) {
      driver.beginControlFlow("for (int j = 0; j < $L; j += $L)", col, stripWidth);
      strip.accept("j", tileVectors);
      driver.endControlFlow();
    }
    if (pairs > 0) {
      driver.beginControlFlow("for (int j = $L; j < $L; j += $L)", col, col + pairs * 2 * lanes, 2 * lanes);
      strip.accept("j", 2);
      driver.endControlFlow();
      col += pairs * 2 * lanes;
    }
    if (col < vectors * lanes) strip.accept(Integer.toString(col), vectors - col / lanes);
  }

  /** The row tiles of one column block: full tiles from i0 to i1, then the leftover rows (in the last part). */
  private void rowTiles(MethodSpec.Builder driver, String col, int vecs, String i0, String i1, int fullRows, int restRows,
                        Split split, String last, List<MethodSpec> out, EmitContext ctx) {
    if (fullRows > 0) {
      driver.addStatement("for (int i = $L; i < $L; i += $L) $L(i, " + col + ")", i0, i1, rowsPerTile(ctx), tile(rowsPerTile(ctx), vecs, out, ctx));
    }
    if (restRows > 0) {
      String rest = tile(restRows, vecs, out, ctx) + "(" + fullRows + ", " + col + ")";
      if (split == Split.ROWS) driver.addStatement("if ($L) $L", last, rest);
      else driver.addStatement(rest);
    }
  }

  /** Emits (once) the kernel for a tile of {@code rows} × {@code vecs} vectors and returns its name. */
  private String tile(int rows, int vecs, List<MethodSpec> out, EmitContext ctx) {
    return tile(rows, vecs, out, ctx, false);
  }

  /** The same, or with {@code add} the blocked form's tile that adds a k block to C. */
  private String tile(int rows, int vecs, List<MethodSpec> out, EmitContext ctx, boolean add) {
    String tileName = name + "Tile" + rows + "x" + vecs + (add ? "Add" : "");
    for (MethodSpec existing : out) if (existing.name.equals(tileName)) return tileName;
    int lanes = ctx.lanes();
    MethodSpec.Builder mb = MethodSpec.methodBuilder(tileName).addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "i0").addParameter(int.class, "j0");
    var V = ctx.vectorClass();
    if (kBlock(ctx) > 0) {
      blockedTile(mb, rows, vecs, add, ctx);
      out.add(mb.build());
      return tileName;
    }
    mb.addJavadoc("Rows i0..i0+$L, columns j0..j0+$L: $L×$L accumulators held in registers over k = 0..$L.\n",
        rows - 1, vecs * lanes - 1, rows, vecs, k - 1);
    for (int v = 0; v < vecs; v++) {
      if (bias != null) mb.addStatement("$T c0$L = $T.fromArray(S, $L, $L)", V, v, V, bias, sum(biasBase, sum(Integer.toString(v * lanes), "j0")));
      else mb.addStatement("$T c0$L = $T.zero(S)", V, v, V);
    }
    for (int r = 1; r < rows; r++) {
      for (int v = 0; v < vecs; v++) mb.addStatement("$T c$L$L = c0$L", V, r, v, v);
    }
    if (inPlace != null) {
      inPlaceSums(mb, rows, vecs, ctx);
    } else {
      mb.addStatement("int a0 = $L", sum(aBase, times("i0", aRow)));
      mb.addStatement("int bk = $L", sum(bBase, "j0"));
      mb.beginControlFlow("for (int k = 0; k < $L; k++)", k);
      for (int v = 0; v < vecs; v++) mb.addStatement("$T b$L = $L", V, v, loadB(ctx, "bk" + plus(v * lanes)));
      for (int r = 0; r < rows; r++) {
        mb.addStatement("$T x$L = $T.broadcast(S, $L)", V, r, V, element(a, "a0" + plus(r * aRow), aHalf));
        for (int v = 0; v < vecs; v++) mb.addStatement("c$L$L = x$L.fma(b$L, c$L$L)", r, v, r, v, r, v);
      }
      mb.addStatement(aStep == 1 ? "a0++" : "a0 += " + aStep);
      mb.addStatement("bk += $L", bRow);
      mb.endControlFlow();
    }
    mb.addStatement("int c0 = $L", sum(cBase, sum(times("i0", cRow), "j0")));
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vecs; v++) mb.addStatement("c$L$L.intoArray($L, c0$L)", r, v, c, plus(r * cRow + v * lanes));
    }
    out.add(mb.build());
    return tileName;
  }

  /**
   * The tile's sums with A read in place: one pointer per row to its pixel's patch, then per tap the run of
   * channels, which lie together in a channels-last image.
   */
  private void inPlaceSums(MethodSpec.Builder mb, int rows, int vecs, EmitContext ctx) {
    InPlacePatches p = inPlace;
    var V = ctx.vectorClass();
    int lanes = ctx.lanes();
    for (int r = 0; r < rows; r++) mb.addStatement("int p$L = $L", r, sum(aBase, p.origin(r == 0 ? "i0" : "i0 + " + r)));
    mb.beginControlFlow("for (int t = 0; t < $L; t++)", p.taps());
    mb.addStatement("int at = $L", p.kw() == 1 ? times("t", p.tapY()) : sum(times("t / " + p.kw(), p.tapY()), times("t % " + p.kw(), p.tapX())));
    mb.addStatement("int bt = $L", sum(sum(bBase, "j0"), times("t", p.channels() * bRow)));
    // Indexes as invariant + ci·step: C2 hoists the range checks of such (its loop variable's) accesses only.
    mb.beginControlFlow("for (int ci = 0; ci < $L; ci++)", p.channels());
    mb.addStatement("int ak = at + ci, bk = bt + $L", times("ci", bRow));
    for (int v = 0; v < vecs; v++) mb.addStatement("$T b$L = $L", V, v, loadB(ctx, "bk" + plus(v * lanes)));
    for (int r = 0; r < rows; r++) {
      mb.addStatement("$T x$L = $T.broadcast(S, $L)", V, r, V, element(a, "p" + r + " + ak", aHalf));
      for (int v = 0; v < vecs; v++) mb.addStatement("c$L$L = x$L.fma(b$L, c$L$L)", r, v, r, v, r, v);
    }
    mb.endControlFlow();
    mb.endControlFlow();
  }

  /**
   * A tile over the k block k0..k1−1 that starts C (from the bias or zero), or with {@code add} adds to it.
   * Two kernels, not one choosing at run time: a vector chosen between two sources is boxed by C2 on JDK 17
   * (measured: M5 at 210 samples/s instead of 2,900, now and then).
   */
  private void blockedTile(MethodSpec.Builder mb, int rows, int vecs, boolean add, EmitContext ctx) {
    int lanes = ctx.lanes();
    var V = ctx.vectorClass();
    mb.addParameter(int.class, "k0").addParameter(int.class, "k1")
        .addJavadoc("Rows i0..i0+$L, columns j0..j0+$L, $L the k block k0..k1-1: $L×$L accumulators held in registers.\n",
            rows - 1, vecs * lanes - 1, add ? "plus" : "over", rows, vecs);
    mb.addStatement("int c0 = $L", sum(cBase, sum(times("i0", cRow), "j0")));
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vecs; v++) {
        if (add) mb.addStatement("$T c$L$L = $T.fromArray(S, $L, c0$L)", V, r, v, V, c, plus(r * cRow + v * lanes));
        else if (r > 0) mb.addStatement("$T c$L$L = c0$L", V, r, v, v);
        else if (bias != null) mb.addStatement("$T c0$L = $T.fromArray(S, $L, $L)", V, v, V, bias, sum(biasBase, sum(Integer.toString(v * lanes), "j0")));
        else mb.addStatement("$T c0$L = $T.zero(S)", V, v, V);
      }
    }
    // Indexes as invariant + k·step: C2 hoists the range checks of such (its loop variable's) accesses only.
    mb.addStatement("int a0 = $L", sum(aBase, times("i0", aRow)));
    mb.addStatement("int bj = $L", sum(bBase, "j0"));
    mb.beginControlFlow("for (int k = k0; k < k1; k++)");
    mb.addStatement("int ak = a0 + $L, bk = bj + $L", times("k", aStep), times("k", bRow));
    for (int v = 0; v < vecs; v++) mb.addStatement("$T b$L = $L", V, v, loadB(ctx, "bk" + plus(v * lanes)));
    for (int r = 0; r < rows; r++) {
      mb.addStatement("$T x$L = $T.broadcast(S, $L)", V, r, V, element(a, "ak" + plus(r * aRow), aHalf));
      for (int v = 0; v < vecs; v++) mb.addStatement("c$L$L = x$L.fma(b$L, c$L$L)", r, v, r, v, r, v);
    }
    mb.endControlFlow();
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vecs; v++) mb.addStatement("c$L$L.intoArray($L, c0$L)", r, v, c, plus(r * cRow + v * lanes));
    }
  }

  /** The field that says whether the products run their vector tiles (true) or their scalar twins. */
  static final String VECTOR_TILES = "vectorTiles";

  /**
   * Whether this product has a scalar twin ({@code ScalarTwins.product}, which the trainer runs until its tiles
   * are compiled): on a training trainer's vector path, for a product with whole vectors of columns whose
   * operands are plain arrays (not patches read in place, not 16-bit copies), and whose C is an array of its
   * own (the twin stores a block of C's rows before it reads the next rows of A).
   */
  boolean hasTwin(EmitContext ctx) {
    return ctx.threaded() && n >= ctx.lanes() && inPlace == null && aHalf == Model.Mixed.NONE && bHalf == Model.Mixed.NONE
        && !c.equals(a) && !c.equals(b);
  }

  /** Columns {@code j0..n-1} for every row, as unit-stride scalar loops: the vector form's tail. */
  private CodeBlock scalarColumns(EmitContext ctx, int j0) {
    CodeBlock.Builder cb = CodeBlock.builder();
    cb.beginControlFlow("for (int i = i0; i < i1; i++)");
    cb.addStatement("int ci = $L", sum(cBase, times("i", cRow)));
    cb.addStatement("int ai = $L", sum(aBase, times("i", aRow)));
    if (bias != null) {
      cb.addStatement("for (int j = $L; j < $L; j++) $L[ci + j] = $L[$L]", j0, n, c, bias, sum(biasBase, "j"));
    } else {
      cb.addStatement("for (int j = $L; j < $L; j++) $L[ci + j] = 0", j0, n, c);
    }
    cb.beginControlFlow("for (int k = 0, bk = $L; k < $L; k++, bk += $L)", bBase, k, bRow);
    cb.addStatement("$T av = $L", ctx.elem(), element(a, "ai + " + times("k", aStep), aHalf));
    cb.addStatement("for (int j = $L; j < $L; j++) $L[ci + j] += av * $L", j0, n, c, element(b, "bk + j", bHalf));
    cb.endControlFlow();
    cb.endControlFlow();
    return cb.build();
  }

  /** The plain form: each row of C accumulated in the scratch row from rows of B, four k at a time. */
  private CodeBlock rows(EmitContext ctx) {
    CodeBlock.Builder cb = CodeBlock.builder();
    var e = ctx.elem();
    int k4 = k / 4 * 4;
    cb.beginControlFlow("for (int i = 0; i < $L; i++)", m);
    cb.addStatement("int ai = $L", sum(aBase, times("i", aRow)));
    if (bias != null) cb.addStatement("System.arraycopy($L, $L, $L, 0, $L)", bias, biasBase, SCRATCH, n);
    else cb.addStatement("java.util.Arrays.fill($L, 0, $L, 0)", SCRATCH, n);
    if (k4 > 0) {
      cb.beginControlFlow("for (int k = 0; k < $L; k += 4)", k4);
      cb.addStatement("$T a0 = $L[ai + $L], a1 = $L[ai + $L], a2 = $L[ai + $L], a3 = $L[ai + $L]",
          e, a, times("k", aStep), a, times("(k + 1)", aStep), a, times("(k + 2)", aStep), a, times("(k + 3)", aStep));
      if (bRows != null) {
        cb.addStatement("$T[] b0 = $L[k], b1 = $L[k + 1], b2 = $L[k + 2], b3 = $L[k + 3]", e, bRows, bRows, bRows, bRows);
        cb.addStatement("for (int j = 0; j < $L; j++) $L[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j]", n, SCRATCH);
      } else {
        // B read in place (a convolution's operands are too large to keep as row arrays)
        cb.addStatement("int b0 = $L", sum(bBase, times("k", bRow)));
        cb.addStatement("for (int j = 0; j < $L; j++) $L[j] += a0 * $L[b0 + j] + a1 * $L[b0 + $L + j] + a2 * $L[b0 + $L + j] + a3 * $L[b0 + $L + j]",
            n, SCRATCH, b, b, bRow, b, 2 * bRow, b, 3 * bRow);
      }
      cb.endControlFlow();
    }
    if (k4 < k) {
      cb.beginControlFlow("for (int k = $L; k < $L; k++)", k4, k);
      cb.addStatement("$T av = $L[ai + $L]", e, a, times("k", aStep));
      if (bRows != null) {
        cb.addStatement("$T[] br = $L[k]", e, bRows);
        cb.addStatement("for (int j = 0; j < $L; j++) $L[j] += av * br[j]", n, SCRATCH);
      } else {
        cb.addStatement("int b0 = $L", sum(bBase, times("k", bRow)));
        cb.addStatement("for (int j = 0; j < $L; j++) $L[j] += av * $L[b0 + j]", n, SCRATCH, b);
      }
      cb.endControlFlow();
    }
    cb.addStatement("System.arraycopy($L, 0, $L, $L, $L)", SCRATCH, c, sum(cBase, times("i", cRow)), n);
    cb.endControlFlow();
    return cb.build();
  }

  private static String plus(int v) {
    return v == 0 ? "" : " + " + v;
  }

  /** {@code base + rest}, folded: a zero term is left out, so the code reads as a person would write it. */
  static String sum(String base, String rest) {
    if (base.equals("0") || base.isEmpty()) return rest.isEmpty() ? "0" : rest;
    if (rest.equals("0") || rest.isEmpty()) return base;
    return base + " + " + rest;
  }

  /** {@code variable * factor}, folded: times 1 is the variable, times 0 is 0. */
  static String times(String variable, int factor) {
    return factor == 0 ? "0" : factor == 1 ? variable : variable + " * " + factor;
  }
}
