package dev.cnnviz.dl4j.onnx;

import dev.cnnviz.dl4j.onnx.proto.OnnxProto.AttributeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.NodeProto;
import dev.cnnviz.dl4j.onnx.proto.OnnxProto.TensorProto;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Typed access to a node's attributes with the ONNX defaults supplied by the caller. Works for files of IR
 * version 1, whose attributes carry no {@code type}: the value is taken from whichever field is set.
 */
final class Attributes {
    private final Map<String, AttributeProto> map = new HashMap<>();
    private final String where;

    Attributes(NodeProto node, String where) {
        this.where = where;
        for (AttributeProto a : node.getAttributeList()) {
            if (!a.getRefAttrName().isEmpty()) {
                throw new ImportFailure(where + ": attribute '" + a.getName()
                        + "' refers to a function attribute; functions are not supported");
            }
            map.put(a.getName(), a);
        }
    }

    boolean has(String name) {
        return map.containsKey(name);
    }

    private ImportFailure wrongType(AttributeProto a, String expected) {
        return new ImportFailure(where + ": attribute '" + a.getName() + "' should be " + expected + ", found "
                + a.getType());
    }

    private static boolean typed(AttributeProto a, AttributeProto.AttributeType t) {
        return a.getType() == t || a.getType() == AttributeProto.AttributeType.UNDEFINED;
    }

    long getInt(String name, long def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        if (!typed(a, AttributeProto.AttributeType.INT)) {
            throw wrongType(a, "an integer");
        }
        return a.getI();
    }

    int getIntExact(String name, long def) {
        long v = getInt(name, def);
        if (v != (int) v) {
            throw new ImportFailure(where + ": attribute '" + name + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    boolean getBool(String name, boolean def) {
        return getInt(name, def ? 1 : 0) != 0;
    }

    double getFloat(String name, double def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        if (a.getType() == AttributeProto.AttributeType.INT) {
            return a.getI();
        }
        if (!typed(a, AttributeProto.AttributeType.FLOAT)) {
            throw wrongType(a, "a float");
        }
        return a.getF();
    }

    String getString(String name, String def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        if (!typed(a, AttributeProto.AttributeType.STRING)) {
            throw wrongType(a, "a string");
        }
        return a.getS().toStringUtf8();
    }

    /** @return the integers, or {@code def} (may be null) when absent. */
    long[] getInts(String name, long[] def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        if (!typed(a, AttributeProto.AttributeType.INTS)) {
            throw wrongType(a, "a list of integers");
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    /** @return the integers as ints, or {@code def} (may be null) when absent. */
    int[] getIntArray(String name, int[] def) {
        long[] v = getInts(name, null);
        if (v == null) {
            return def == null ? null : def.clone();
        }
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != (int) v[i]) {
                throw new ImportFailure(where + ": attribute '" + name + "' = " + Arrays.toString(v) + " is out of range");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** @return the floats, or {@code def} (may be null) when absent. */
    float[] getFloats(String name, float[] def) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return def;
        }
        if (!typed(a, AttributeProto.AttributeType.FLOATS)) {
            throw wrongType(a, "a list of floats");
        }
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
        }
        return v;
    }

    TensorProto getTensor(String name) {
        AttributeProto a = map.get(name);
        if (a == null) {
            return null;
        }
        if (!typed(a, AttributeProto.AttributeType.TENSOR) || !a.hasT()) {
            throw wrongType(a, "a tensor");
        }
        return a.getT();
    }

    /** @return the attribute names present. */
    java.util.Set<String> names() {
        return map.keySet();
    }
}
