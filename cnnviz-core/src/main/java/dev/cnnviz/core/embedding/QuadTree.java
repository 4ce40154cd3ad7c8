package dev.cnnviz.core.embedding;

import java.util.Arrays;

/**
 * The Barnes-Hut quadtree of a 2-D layout, rebuilt at each t-SNE iteration: every cell keeps its point count and
 * centre of mass; leaves hold one point, or several that coincide (or lie at the maximum depth). Arrays, not
 * objects, so that a rebuild allocates nothing once the capacity has grown.
 */
final class QuadTree {
    private static final int MAX_DEPTH = 48;

    private int nodes;
    private double[] cx = new double[64];
    private double[] cy = new double[64];
    private double[] half = new double[64];
    private double[] comX = new double[64];
    private double[] comY = new double[64];
    private int[] count = new int[64];
    private int[] firstChild = new int[64]; // -1 for a leaf
    private int[] head = new int[64];       // a leaf's first point, -1 if empty
    private int[] depth = new int[64];
    private int[] next = new int[0];        // the next point of the same leaf, -1 at the end
    private double[] y;
    private int[] stack = new int[256];

    void build(double[] layout, int n) {
        this.y = layout;
        if (next.length < n) {
            next = new int[n];
        }
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            minX = Math.min(minX, layout[2 * i]);
            maxX = Math.max(maxX, layout[2 * i]);
            minY = Math.min(minY, layout[2 * i + 1]);
            maxY = Math.max(maxY, layout[2 * i + 1]);
        }
        nodes = 0;
        double h = Math.max(maxX - minX, maxY - minY) / 2 + 1e-5;
        newNode((minX + maxX) / 2, (minY + maxY) / 2, h, 0);
        for (int i = 0; i < n; i++) {
            insert(i);
        }
    }

    private int newNode(double x, double yc, double h, int d) {
        if (nodes == cx.length) {
            int c = nodes * 2;
            cx = Arrays.copyOf(cx, c);
            cy = Arrays.copyOf(cy, c);
            half = Arrays.copyOf(half, c);
            comX = Arrays.copyOf(comX, c);
            comY = Arrays.copyOf(comY, c);
            count = Arrays.copyOf(count, c);
            firstChild = Arrays.copyOf(firstChild, c);
            head = Arrays.copyOf(head, c);
            depth = Arrays.copyOf(depth, c);
        }
        int k = nodes++;
        cx[k] = x;
        cy[k] = yc;
        half[k] = h;
        comX[k] = 0;
        comY[k] = 0;
        count[k] = 0;
        firstChild[k] = -1;
        head[k] = -1;
        depth[k] = d;
        return k;
    }

    private void addMass(int node, double px, double py, int c) {
        int total = count[node] + c;
        comX[node] += (px - comX[node]) * c / total;
        comY[node] += (py - comY[node]) * c / total;
        count[node] = total;
    }

    private int quadrant(int node, double px, double py) {
        return (px > cx[node] ? 1 : 0) + (py > cy[node] ? 2 : 0);
    }

    private void insert(int p) {
        double px = y[2 * p];
        double py = y[2 * p + 1];
        int node = 0;
        while (true) {
            if (firstChild[node] < 0) {
                int h0 = head[node];
                if (h0 < 0) {
                    addMass(node, px, py, 1);
                    head[node] = p;
                    next[p] = -1;
                    return;
                }
                boolean same = y[2 * h0] == px && y[2 * h0 + 1] == py;
                if (same || depth[node] >= MAX_DEPTH) {
                    addMass(node, px, py, 1);
                    next[p] = head[node];
                    head[node] = p;
                    return;
                }
                // Subdivide: the leaf's points (all coincident) move to one child.
                int first = nodes;
                double h = half[node] / 2;
                for (int q = 0; q < 4; q++) {
                    newNode(cx[node] + ((q & 1) != 0 ? h : -h), cy[node] + ((q & 2) != 0 ? h : -h), h,
                            depth[node] + 1);
                }
                firstChild[node] = first;
                int child = first + quadrant(node, y[2 * h0], y[2 * h0 + 1]);
                head[child] = h0;
                head[node] = -1;
                count[child] = count[node];
                comX[child] = comX[node];
                comY[child] = comY[node];
            }
            addMass(node, px, py, 1);
            node = firstChild[node] + quadrant(node, px, py);
        }
    }

    /**
     * The repulsive forces on point {@code i}: adds {@code sum q²(yi - yj)} (over cells) to {@code force} and returns
     * {@code sum q} with {@code q = 1 / (1 + ||yi - yj||²)}, cells accepted when {@code width / distance < theta}.
     */
    double repulsion(int i, double theta, double[] force) {
        double px = y[2 * i];
        double py = y[2 * i + 1];
        double sumQ = 0;
        double fx = 0;
        double fy = 0;
        int top = 0;
        stack[top++] = 0;
        double theta2 = theta * theta;
        while (top > 0) {
            int node = stack[--top];
            if (count[node] == 0) {
                continue;
            }
            if (firstChild[node] < 0) {
                for (int p = head[node]; p >= 0; p = next[p]) {
                    if (p == i) {
                        continue;
                    }
                    double dx = px - y[2 * p];
                    double dy = py - y[2 * p + 1];
                    double q = 1 / (1 + dx * dx + dy * dy);
                    sumQ += q;
                    fx += q * q * dx;
                    fy += q * q * dy;
                }
                continue;
            }
            double dx = px - comX[node];
            double dy = py - comY[node];
            double d2 = dx * dx + dy * dy;
            double width = 2 * half[node];
            if (width * width < theta2 * d2) {
                double q = 1 / (1 + d2);
                double m = count[node] * q;
                sumQ += m;
                m *= q;
                fx += m * dx;
                fy += m * dy;
            } else {
                if (top + 4 > stack.length) {
                    stack = Arrays.copyOf(stack, stack.length * 2);
                }
                int c = firstChild[node];
                stack[top++] = c;
                stack[top++] = c + 1;
                stack[top++] = c + 2;
                stack[top++] = c + 3;
            }
        }
        force[0] = fx;
        force[1] = fy;
        return sumQ;
    }
}
