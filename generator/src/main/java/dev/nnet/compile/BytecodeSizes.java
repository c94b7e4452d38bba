package dev.nnet.compile;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a class file just far enough to know each method's bytecode length: HotSpot never JIT-compiles
 * a method over 8,000 bytes, so the generator's output is checked against it.
 */
public final class BytecodeSizes {
  /** HotSpot's HugeMethodLimit: larger methods stay interpreted. */
  public static final int HUGE_METHOD_LIMIT = 8000;

  private BytecodeSizes() {}

  /** Method name + descriptor → code length in bytes, for every method with code. */
  public static Map<String, Integer> of(byte[] classFile) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
      if (in.readInt() != 0xCAFEBABE) throw new IllegalArgumentException("not a class file");
      in.readUnsignedShort();
      in.readUnsignedShort();
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 3, 4 -> in.readInt();
          case 5, 6 -> {
            in.readLong();
            i++;
          }
          case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
          case 9, 10, 11, 12, 17, 18 -> in.readInt();
          case 15 -> {
            in.readUnsignedByte();
            in.readUnsignedShort();
          }
          default -> throw new IllegalArgumentException("unknown constant tag " + tag);
        }
      }
      in.readUnsignedShort();
      in.readUnsignedShort();
      in.readUnsignedShort();
      int interfaces = in.readUnsignedShort();
      for (int i = 0; i < interfaces; i++) in.readUnsignedShort();
      int fields = in.readUnsignedShort();
      for (int i = 0; i < fields; i++) {
        in.readUnsignedShort();
        in.readUnsignedShort();
        in.readUnsignedShort();
        skipAttributes(in);
      }
      Map<String, Integer> sizes = new LinkedHashMap<>();
      int methods = in.readUnsignedShort();
      for (int i = 0; i < methods; i++) {
        in.readUnsignedShort();
        String name = utf8[in.readUnsignedShort()];
        String desc = utf8[in.readUnsignedShort()];
        int attrs = in.readUnsignedShort();
        for (int a = 0; a < attrs; a++) {
          String attr = utf8[in.readUnsignedShort()];
          int len = in.readInt();
          if ("Code".equals(attr)) {
            in.readUnsignedShort();
            in.readUnsignedShort();
            int codeLength = in.readInt();
            sizes.put(name + desc, codeLength);
            in.skipBytes(len - 8);
          } else {
            in.skipBytes(len);
          }
        }
      }
      return sizes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int n = in.readUnsignedShort();
    for (int i = 0; i < n; i++) {
      in.readUnsignedShort();
      in.skipBytes(in.readInt());
    }
  }
}
