package dev.cnnviz.dl4j.onnx;

import dev.cnnviz.core.graph.Op;
import dev.cnnviz.core.graph.ops.Add;
import dev.cnnviz.core.graph.ops.AutoPad;
import dev.cnnviz.core.graph.ops.AveragePool;
import dev.cnnviz.core.graph.ops.BatchNorm;
import dev.cnnviz.core.graph.ops.Clip;
import dev.cnnviz.core.graph.ops.Concat;
import dev.cnnviz.core.graph.ops.Conv;
import dev.cnnviz.core.graph.ops.ConvTranspose;
import dev.cnnviz.core.graph.ops.Div;
import dev.cnnviz.core.graph.ops.Dropout;
import dev.cnnviz.core.graph.ops.Elu;
import dev.cnnviz.core.graph.ops.Flatten;
import dev.cnnviz.core.graph.ops.Gemm;
import dev.cnnviz.core.graph.ops.GlobalAveragePool;
import dev.cnnviz.core.graph.ops.GlobalMaxPool;
import dev.cnnviz.core.graph.ops.HardSigmoid;
import dev.cnnviz.core.graph.ops.Identity;
import dev.cnnviz.core.graph.ops.InstanceNorm;
import dev.cnnviz.core.graph.ops.LeakyRelu;
import dev.cnnviz.core.graph.ops.Log;
import dev.cnnviz.core.graph.ops.LogSoftmax;
import dev.cnnviz.core.graph.ops.MatMul;
import dev.cnnviz.core.graph.ops.MaxPool;
import dev.cnnviz.core.graph.ops.Mul;
import dev.cnnviz.core.graph.ops.OpSupport;
import dev.cnnviz.core.graph.ops.PRelu;
import dev.cnnviz.core.graph.ops.Pad;
import dev.cnnviz.core.graph.ops.Relu;
import dev.cnnviz.core.graph.ops.Reshape;
import dev.cnnviz.core.graph.ops.Resize;
import dev.cnnviz.core.graph.ops.Scale;
import dev.cnnviz.core.graph.ops.Sigmoid;
import dev.cnnviz.core.graph.ops.Softmax;
import dev.cnnviz.core.graph.ops.Squeeze;
import dev.cnnviz.core.graph.ops.Sub;
import dev.cnnviz.core.graph.ops.Sum;
import dev.cnnviz.core.graph.ops.Tanh;
import dev.cnnviz.core.graph.ops.Transpose;
import dev.cnnviz.core.graph.ops.Unsqueeze;
import java.util.List;

/**
 * Static output shapes of the operators the importer emits, so that attributes which depend on a value's
 * size (ConvTranspose's {@code output_shape}, Crop's {@code scale}, {@code Shape}) can be resolved without
 * running the network. Returns null when an operator is not covered; the importer then measures the shape by
 * running the graph built so far.
 */
final class ShapeInference {
    private ShapeInference() {
    }

    /** @return the output shape, or null if unknown */
    static long[] outputShape(Op op, List<long[]> in) {
        if (in.isEmpty()) {
            return null;
        }
        long[] x = in.get(0);
        if (op instanceof Relu || op instanceof LeakyRelu || op instanceof Elu || op instanceof Sigmoid || op instanceof Tanh
                || op instanceof Clip || op instanceof HardSigmoid || op instanceof Softmax || op instanceof Scale
                || op instanceof Dropout || op instanceof Identity || op instanceof BatchNorm || op instanceof InstanceNorm
                || op instanceof LogSoftmax || op instanceof Log) {
            return x.clone();
        }
        if (op instanceof PRelu || op instanceof Add || op instanceof Sub || op instanceof Mul || op instanceof Div
                || op instanceof Sum) {
            long[] s = x;
            for (int i = 1; i < in.size(); i++) {
                s = OpSupport.broadcastShape(s, in.get(i));
            }
            return s.clone();
        }
        if (op instanceof Conv c && x.length == 4 && in.size() >= 2 && in.get(1).length == 4) {
            long[] w = in.get(1);
            int[] s = c.strides();
            int[] d = c.dilations();
            int[] p = c.pads();
            return new long[] {x[0], w[0],
                window(x[2], (int) w[2], s[0], d[0], p[0], p[2], false, c.autoPad()),
                window(x[3], (int) w[3], s[1], d[1], p[1], p[3], false, c.autoPad())};
        }
        if (op instanceof ConvTranspose c && x.length == 4 && in.size() >= 2 && in.get(1).length == 4) {
            long[] w = in.get(1);
            int[] s = c.strides();
            int[] d = c.dilations();
            int[] p = c.pads();
            int[] op2 = c.outputPadding();
            long[] out = new long[] {x[0], w[1] * c.group(), 0, 0};
            for (int i = 0; i < 2; i++) {
                if (c.autoPad() == AutoPad.SAME_UPPER || c.autoPad() == AutoPad.SAME_LOWER) {
                    out[2 + i] = x[2 + i] * s[i];
                } else {
                    long pads = c.autoPad() == AutoPad.VALID ? 0 : p[i] + p[2 + i];
                    out[2 + i] = (x[2 + i] - 1) * s[i] - pads + (w[2 + i] - 1) * d[i] + 1 + op2[i];
                }
            }
            return out;
        }
        if (op instanceof MaxPool m && x.length == 4) {
            int[] k = m.kernel();
            int[] s = m.strides();
            int[] d = m.dilations();
            int[] p = m.pads();
            return new long[] {x[0], x[1], window(x[2], k[0], s[0], d[0], p[0], p[2], m.ceilMode(), m.autoPad()),
                window(x[3], k[1], s[1], d[1], p[1], p[3], m.ceilMode(), m.autoPad())};
        }
        if (op instanceof AveragePool m && x.length == 4) {
            int[] k = m.kernel();
            int[] s = m.strides();
            int[] p = m.pads();
            return new long[] {x[0], x[1], window(x[2], k[0], s[0], 1, p[0], p[2], m.ceilMode(), m.autoPad()),
                window(x[3], k[1], s[1], 1, p[1], p[3], m.ceilMode(), m.autoPad())};
        }
        if ((op instanceof GlobalAveragePool || op instanceof GlobalMaxPool) && x.length >= 3) {
            long[] out = x.clone();
            for (int i = 2; i < out.length; i++) {
                out[i] = 1;
            }
            return out;
        }
        if (op instanceof Pad pad) {
            int[] p = pad.pads();
            if (p.length != 2 * x.length) {
                return null;
            }
            long[] out = x.clone();
            for (int i = 0; i < x.length; i++) {
                out[i] += p[i] + p[i + x.length];
            }
            return out;
        }
        if (op instanceof Concat c) {
            int a = c.axis() < 0 ? c.axis() + x.length : c.axis();
            if (a < 0 || a >= x.length) {
                return null;
            }
            long[] out = x.clone();
            for (int i = 1; i < in.size(); i++) {
                out[a] += in.get(i)[a];
            }
            return out;
        }
        if (op instanceof Flatten f) {
            return f.outputShape(x);
        }
        if (op instanceof Squeeze q) {
            return q.outputShape(x);
        }
        if (op instanceof Unsqueeze u) {
            return u.outputShape(x);
        }
        if (op instanceof Reshape r) {
            return r.resolve(x);
        }
        if (op instanceof Transpose t) {
            int[] perm = t.perm();
            if (perm.length != x.length) {
                return null;
            }
            long[] out = new long[x.length];
            for (int i = 0; i < perm.length; i++) {
                out[i] = x[perm[i]];
            }
            return out;
        }
        if (op instanceof Gemm g && in.size() >= 2 && x.length == 2 && in.get(1).length == 2) {
            long[] b = in.get(1);
            return new long[] {g.transA() ? x[1] : x[0], g.transB() ? b[0] : b[1]};
        }
        if (op instanceof MatMul && in.size() >= 2 && x.length == 2 && in.get(1).length == 2) {
            return new long[] {x[0], in.get(1)[1]};
        }
        if (op instanceof Resize r && x.length == 4) {
            return new long[] {x[0], x[1], r.outH() > 0 ? r.outH() : (long) Math.floor(x[2] * r.scaleH()),
                r.outW() > 0 ? r.outW() : (long) Math.floor(x[3] * r.scaleW())};
        }
        return null;
    }

    /** Output length of a convolution or pooling window along one axis (as the core operators compute it). */
    static long window(long in, int k, int s, int d, int padBegin, int padEnd, boolean ceil, AutoPad auto) {
        int[] p = auto.resolve((int) in, k, s, d, padBegin, padEnd);
        long eff = (long) (k - 1) * d + 1;
        long span = in + p[0] + p[1] - eff;
        if (span < 0) {
            throw new IllegalArgumentException("a kernel of " + k + " does not fit an input of " + in);
        }
        long out = span / s + 1;
        if (ceil && auto == AutoPad.NOTSET) {
            out = (span + s - 1) / s + 1;
            if ((out - 1) * s >= in + p[0]) {
                out--;
            }
        }
        return out;
    }
}
