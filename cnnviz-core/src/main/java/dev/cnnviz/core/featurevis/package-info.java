/**
 * Feature visualization (Olah, Mordvintsev and Schubert, "Feature Visualization", Distill 2017; Lucid's
 * {@code optvis}): what is maximized, what the optimizer varies, and what the model is shown.
 *
 * <ul>
 * <li>{@link dev.cnnviz.core.featurevis.Objective}: objectives as values with algebra (class score, log probability,
 * neuron, channel, layer L2, direction; {@code plus}, {@code minus}, {@code times}), each with its exact gradient at
 * the nodes it reads; {@link dev.cnnviz.core.featurevis.GraphObjective} evaluates one on a model input with
 * {@code d objective / d input} in one forward and one backward pass.</li>
 * <li>{@link dev.cnnviz.core.featurevis.ImageParameterization}: a differentiable map from a flat parameter vector to a
 * batch of images [N, C, H, W], with its vector-Jacobian product. {@link dev.cnnviz.core.featurevis.PixelParameterization}
 * (pixels), {@link dev.cnnviz.core.featurevis.FourierParameterization} (Lucid's {@code fft_image}: 1/f-scaled
 * spectrum, inverse FFT by JTransforms), {@link dev.cnnviz.core.featurevis.ColorDecorrelation} (ImageNet colour
 * correlation) and {@link dev.cnnviz.core.featurevis.ValidRgb} (sigmoid or clip into [0, 1]) compose as decorators;
 * {@link dev.cnnviz.core.featurevis.ImageParameterization#lucid} is Lucid's default chain.</li>
 * <li>{@link dev.cnnviz.core.featurevis.ImageTransform}: a random transform drawn at every step, an affine map of the
 * image with its exact adjoint: {@link dev.cnnviz.core.featurevis.Pad}, {@link dev.cnnviz.core.featurevis.Jitter},
 * {@link dev.cnnviz.core.featurevis.RandomScale}, {@link dev.cnnviz.core.featurevis.RandomRotate},
 * {@link dev.cnnviz.core.featurevis.CropOrPad}, {@link dev.cnnviz.core.featurevis.Compose} and
 * {@link dev.cnnviz.core.featurevis.StandardTransforms} (Lucid's standard set, cropped back to the input size so
 * that the model's input shape never changes).</li>
 * </ul>
 *
 * <p>One optimization step, with an objective giving dL/d(model input):
 * <pre>{@code
 * ImageParameterization param = ImageParameterization.lucid(1, 224, 224);
 * ImageTransform.Sampled t = StandardTransforms.lucid().sample(rng, param.imageShape());
 * INDArray image = Nd4j.create(DataType.FLOAT, param.imageShape());
 * INDArray input = image.ulike(), gradInput = image.ulike(), gradImage = image.ulike();
 * double[] gradP = new double[param.size()];
 * // per step:
 * t.redraw(rng);
 * param.image(p, image);
 * t.forward(image, input);
 * // ... model forward and backward: gradInput = dL/dinput ...
 * t.backward(gradInput, gradImage);
 * param.backward(p, gradImage, gradP);    // dL/dp for the optimizer
 * }</pre>
 *
 * <p>Arrays are flat row-major NCHW {@code double[]} or ND4J arrays (FLOAT or DOUBLE); randomness always comes from an
 * explicit {@link java.util.SplittableRandom}. Caller mistakes are {@link IllegalArgumentException}s naming the value.
 * Memory: a parameterization or sampled transform holds a few image-sized {@code double[]} buffers, allocated once.
 */
package dev.cnnviz.core.featurevis;
