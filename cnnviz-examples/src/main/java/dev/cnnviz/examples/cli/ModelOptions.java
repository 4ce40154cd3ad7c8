package dev.cnnviz.examples.cli;

import dev.cnnviz.api.ModelImportException;
import dev.cnnviz.api.Preprocessing;
import dev.cnnviz.core.Labels;
import dev.cnnviz.core.Model;
import dev.cnnviz.dl4j.Models;
import dev.cnnviz.examples.DefaultModel;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options that choose the model: {@code --model}, {@code --labels}, {@code --preprocess}. */
public final class ModelOptions {
    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Model file: ONNX (.onnx), Keras 2 HDF5 (.h5) or DL4J zip. "
                    + "Default: the embedded Fashion-MNIST CNN.")
    Path model;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "Class labels, one per line in class-index order. Default: none (the embedded model has its own).")
    Path labels;

    @Option(names = "--preprocess", paramLabel = "SPEC", converter = PreprocessSpec.Converter.class,
            description = {"How image pixels become input values:",
                "  caffe-bgr[:B,G,R]  BGR 0..255 minus a mean",
                "                     (default mean 104,117,123)",
                "  torch-imagenet     RGB/255, ImageNet mean and std",
                "  unit-rgb|unit-bgr|unit-grey   pixels/255",
                "  raw-rgb|raw-bgr|raw-grey      pixels 0..255",
                "Default: what the model file says (unit-grey for the embedded model, raw-rgb for ONNX). "
                    + "With --input-npy it only serves to draw the input."})
    Preprocessing preprocess;

    /** @return whether the embedded default model is used. */
    public boolean isDefault() {
        return model == null;
    }

    /**
     * Loads the model with its labels and preprocessing.
     *
     * @throws ModelImportException if the model or label file cannot be read
     * @throws ParameterException   if the preprocessing does not fit the model's channels
     */
    public Model load() throws ModelImportException {
        Model m;
        if (model == null) {
            m = DefaultModel.load();
        } else {
            m = Models.load(model);
        }
        if (labels != null) {
            try {
                m = m.withLabels(Labels.read(labels));
            } catch (IOException | IllegalArgumentException e) {
                throw new ModelImportException(labels, "cannot read the labels: " + Cli.message(e), e);
            }
        }
        if (preprocess != null) {
            try {
                m = m.withPreprocessing(preprocess);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(mixee.commandLine(), "--preprocess: " + e.getMessage());
            }
        }
        return m;
    }

    /** @return a short name of the model for messages. */
    public String describe() {
        return model == null ? "the embedded Fashion-MNIST model" : model.toString();
    }
}
