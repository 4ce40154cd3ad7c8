/**
 * Images in and out of models: reading and writing image files ({@link dev.cnnviz.core.image.ImageIo}),
 * reproducible resizing and cropping ({@link dev.cnnviz.core.image.ImageResize},
 * {@link dev.cnnviz.core.image.ResizeFilter}), and the bridge between images and preprocessed NCHW tensors,
 * including numpy {@code .npy} files and input validation ({@link dev.cnnviz.core.image.ImageTensors}).
 *
 * <pre>{@code
 * BufferedImage cat = ImageIo.read(Path.of("images/cat.jpg"));
 * INDArray x = ImageTensors.toBatch(cat, model.inputSpec());   // resized (Pillow bilinear), BGR, mean-subtracted
 * ImageTensors.writeNpy(x, Path.of("out/cat-input.npy"));
 * }</pre>
 *
 * <p>All methods are static and thread-safe; problems with files are {@link java.io.IOException}s naming the file,
 * problems with arguments are {@link java.lang.IllegalArgumentException}s.
 */
package dev.cnnviz.core.image;
