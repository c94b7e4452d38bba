package dev.nnet.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a CSV of numeric features and one label (or target) column. Labels may be integers (class
 * numbers) or words (mapped to classes in sorted order). The header is detected when not stated.
 */
public final class CsvReader {
  private CsvReader() {}

  /**
   * @param labelColumn a column name (needs a header), a 0-based index, a negative index from the end, or null for the last column
   * @param header      "true", "false" or null to detect (a first row with a non-number in a feature column)
   * @param regression  read a numeric label column as a target value instead of a class (words stay classes,
   *                    which a regression loss sees one-hot)
   */
  public static Dataset read(Path path, String labelColumn, String header, boolean regression) {
    return read(path, labelColumn, header, regression, null);
  }

  public static Dataset read(Path path, String labelColumn, String header, boolean regression, java.util.List<String> knownClasses) {
    return read(path, labelColumn, header, regression, knownClasses, false);
  }

  /**
   * @param knownClasses the class names of the training file, which a test file must use (its words map to
   *                     the same numbers); null to take this file's words in sorted order
   * @param classNames   the label column holds class names even where they look like numbers; otherwise it
   *                     holds names only when none of its values is a number, and a column of numbers with
   *                     one bad value is an error naming that record, never a column of names
   */
  public static Dataset read(Path path, String labelColumn, String header, boolean regression, java.util.List<String> knownClasses,
                             boolean classNames) {
    return read(path, labelColumn, header, regression, knownClasses, classNames, false);
  }

  public static Dataset read(Path path, String labelColumn, String header, boolean regression, java.util.List<String> knownClasses,
                             boolean classNames, boolean wide) {
    return read(path, labelColumn, header, regression, knownClasses, classNames, wide, false);
  }

  /**
   * @param wide  also keep the values in float64, as written, for a float64 network ({@link Dataset#wideFeatures})
   * @param quiet errors quote only the offending value, never lists of what the file holds (column names, class
   *              names): for text from strangers, which must not read a file through its error messages
   */
  public static Dataset read(Path path, String labelColumn, String header, boolean regression, java.util.List<String> knownClasses,
                             boolean classNames, boolean wide, boolean quiet) {
    List<String[]> rows = new ArrayList<>();
    List<Integer> lineNumbers = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      int lineNumber = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNumber++;
        if (line.isBlank()) continue;
        String[] cells = line.split(",", -1);
        for (int i = 0; i < cells.length; i++) cells[i] = unquote(cells[i].trim());
        rows.add(cells);
        lineNumbers.add(lineNumber);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw DataLoader.missing(path);
    } catch (IOException e) {
      throw new DataException(path + ": cannot read (" + e.getMessage() + ")", null, e);
    }
    if (rows.isEmpty()) throw new DataException(path + ": the CSV file is empty", null);
    int width = rows.get(0).length;
    boolean hasHeader = header != null ? Boolean.parseBoolean(header) : looksLikeHeader(rows.get(0), rows.size() > 1 ? rows.get(1) : null);
    String[] names = hasHeader ? rows.remove(0) : null;
    if (hasHeader) lineNumbers.remove(0);
    int label = labelIndex(path, labelColumn, names, width, quiet);
    int n = rows.size();
    if (n == 0) throw new DataException(path + ": the CSV file has a header but no data rows", null);
    int features = width - 1;
    float[] x = new float[n * features];
    double[] wx = wide ? new double[n * features] : null;
    String[] rawLabels = new String[n];
    for (int i = 0; i < n; i++) {
      String[] cells = rows.get(i);
      int record = lineNumbers.get(i);
      if (cells.length != width) {
        throw new DataException(path + ":" + record + ": row has " + cells.length + " columns, expected " + width,
            "every row must have as many columns as the first");
      }
      int j = 0;
      for (int c = 0; c < width; c++) {
        if (c == label) {
          rawLabels[i] = cells[c];
          continue;
        }
        double v = number(path, record, c, cells[c], names, wide);
        if (wide) wx[i * features + j] = v;
        x[i * features + j++] = (float) v;
      }
    }
    String name = path.getFileName().toString();
    int firstNumber = -1, firstWord = -1;
    for (int i = 0; i < n && (firstNumber < 0 || firstWord < 0); i++) {
      if (isNumber(rawLabels[i])) {
        if (firstNumber < 0) firstNumber = i;
      } else if (firstWord < 0) {
        firstWord = i;
      }
    }
    String column = names != null ? "label column '" + names[label] + "'" : "the label column (" + (label + 1) + ")";
    if (!classNames && firstNumber >= 0 && knownClasses == null) {
      if (firstWord >= 0) {
        throw new DataException(path + ":" + lineNumbers.get(firstWord) + ": " + column + " holds '" + rawLabels[firstWord]
            + "' where its other values are numbers (e.g. '" + rawLabels[firstNumber] + "' in record " + lineNumbers.get(firstNumber) + ")",
            "fix or remove that row; if the column holds class names, say so: csv(..., class_names: true)");
      }
      if (regression) {
        float[] t = new float[n];
        double[] wt = wide ? new double[n] : null;
        for (int i = 0; i < n; i++) {
          double v = number(path, lineNumbers.get(i), label, rawLabels[i], names, wide);
          if (wide) wt[i] = v;
          t[i] = (float) v;
        }
        Dataset d = Dataset.regression(name, features, x, t, 1);
        return wide ? d.wide(wx, wt) : d;
      }
      int[] y = new int[n];
      int max = 0;
      for (int i = 0; i < n; i++) {
        double v = Double.parseDouble(rawLabels[i]);
        if (!(v >= 0 && v == Math.rint(v) && v <= MAX_CLASS)) {
          throw new DataException(path + ":" + lineNumbers.get(i) + ": " + column + " holds '" + rawLabels[i]
              + "', not a class number (a whole number from 0 to " + MAX_CLASS + ")",
              "classes are numbered 0, 1, 2, ...; fix or remove that row, or declare names with csv(..., class_names: true)");
        }
        max = Math.max(max, y[i] = (int) v);
      }
      Dataset d = Dataset.classification(name, features, x, y, max + 1);
      return wide ? d.wide(wx, null) : d;
    }
    Map<String, Integer> ids = new java.util.LinkedHashMap<>();
    for (String s : knownClasses != null ? knownClasses : new TreeSet<>(Arrays.asList(rawLabels))) ids.put(s, ids.size());
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      Integer id = ids.get(rawLabels[i]);
      if (id == null) {
        throw new DataException(path + ":" + lineNumbers.get(i) + ": class '" + rawLabels[i] + "' does not occur in the training data",
            quiet ? "a test file must use the training file's class names" : "the training data's classes are: " + String.join(", ", ids.keySet()));
      }
      y[i] = id;
    }
    Dataset d = Dataset.classification(name, features, x, y, ids.size()).withClassNames(List.copyOf(ids.keySet()));
    return wide ? d.wide(wx, null) : d;
  }

  /** The largest class number a label may hold: far beyond any output layer, well inside an int. */
  static final int MAX_CLASS = 1 << 24;

  /**
   * A feature or target: parsed as float32, or with {@code wide} as float64, as written (a float64 network
   * reads 0.1 as 0.1, not as float32's 0.100000001). Not a finite number (1e39 is not, in float32) is an error.
   */
  private static double number(Path path, int record, int column, String cell, String[] names, boolean wide) {
    double v;
    try {
      v = wide ? Double.parseDouble(cell) : Float.parseFloat(cell);
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (!Double.isFinite(v)) {
      String col = names != null ? "'" + names[column] + "'" : "column " + (column + 1);
      throw new DataException(path + ":" + record + ": " + col + " holds '" + cell + "', not a finite number",
          "features must be numbers; fix or remove that row");
    }
    return v;
  }


  private static int labelIndex(Path path, String column, String[] names, int width, boolean quiet) {
    if (column == null) return width - 1;
    if (column.matches("-?\\d+")) {
      int i = Integer.parseInt(column);
      if (i < 0) i += width;
      if (i < 0 || i >= width) throw new DataException(path + ": label column " + column + " is out of range (the file has " + width + " columns)", null);
      return i;
    }
    if (names == null) throw new DataException(path + ": label column '" + column + "' is named but the file has no header",
        "give the label column's index instead, e.g. label: 4");
    for (int i = 0; i < names.length; i++) if (names[i].equals(column)) return i;
    throw new DataException(path + ": no column named '" + column + "'", quiet ? "name a column of the header" : "the header has: " + String.join(", ", names));
  }

  private static boolean looksLikeHeader(String[] first, String[] second) {
    for (int i = 0; i < first.length; i++) {
      boolean num = isNumber(first[i]);
      if (!num && (second == null || i >= second.length || isNumber(second[i]))) return true;
    }
    return false;
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }
}
