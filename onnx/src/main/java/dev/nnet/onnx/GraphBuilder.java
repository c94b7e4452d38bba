package dev.nnet.onnx;

import com.google.protobuf.ByteString;
import dev.nnet.onnx.proto.Onnx.AttributeProto;
import dev.nnet.onnx.proto.Onnx.GraphProto;
import dev.nnet.onnx.proto.Onnx.NodeProto;
import dev.nnet.onnx.proto.Onnx.TensorProto;
import dev.nnet.onnx.proto.Onnx.TensorShapeProto;
import dev.nnet.onnx.proto.Onnx.TypeProto;
import dev.nnet.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Collects the nodes and initializers of one ONNX graph. Values are named after the layer that makes them
 * ({@code dense1}, {@code conv2}); a layer that needs more than one node names the extra values
 * {@code layer/what}, so a reader of the graph (Netron, an ONNX checker) sees the .nnet file's names.
 */
final class GraphBuilder {
  private final GraphProto.Builder graph = GraphProto.newBuilder();

  GraphBuilder(String name, String doc) {
    graph.setName(name).setDocString(doc);
  }

  /** Adds a node {@code op(inputs) -> output} named {@code output}, with its attributes; returns the output's name. */
  String node(String op, String output, String doc, String[] inputs, AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String in : inputs) n.addInput(in);
    for (AttributeProto a : attributes) n.addAttribute(a);
    if (doc != null) n.setDocString(doc);
    graph.addNode(n);
    return output;
  }

  /** A float tensor of the graph's weights, {@code values} row-major in {@code dims}. */
  String floats(String name, long[] dims, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    graph.addInitializer(tensor(name, dims, TensorProto.DataType.FLOAT).setRawData(ByteString.copyFrom(b.array())));
    return name;
  }

  /** An int64 tensor: a shape for Reshape, axes or pads. */
  String longs(String name, long... values) {
    TensorProto.Builder t = tensor(name, new long[] {values.length}, TensorProto.DataType.INT64);
    for (long v : values) t.addInt64Data(v);
    graph.addInitializer(t);
    return name;
  }

  private static TensorProto.Builder tensor(String name, long[] dims, TensorProto.DataType type) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
    for (long d : dims) t.addDims(d);
    return t;
  }

  /** Declares a float input or output of shape [batch, dims...]: the first dimension named, so any batch size runs. */
  static ValueInfoProto value(String name, String doc, int... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    for (int d : dims) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    return ValueInfoProto.newBuilder().setName(name).setDocString(doc)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
  }

  /** Like {@link #value} for an int64 output of shape [batch] (a class index). */
  static ValueInfoProto classes(String name, String doc) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    return ValueInfoProto.newBuilder().setName(name).setDocString(doc)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64.getNumber()).setShape(shape))).build();
  }

  void input(ValueInfoProto v) {
    graph.addInput(v);
  }

  void output(ValueInfoProto v) {
    graph.addOutput(v);
  }

  GraphProto build() {
    return graph.build();
  }

  static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto attr(String name, double value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF((float) value).build();
  }

  static AttributeProto attr(String name, String value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build();
  }

  static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) a.addInts(v);
    return a.build();
  }
}
