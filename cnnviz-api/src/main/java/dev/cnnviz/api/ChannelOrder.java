package dev.cnnviz.api;

/** The order of colour channels a model expects. */
public enum ChannelOrder {
    /** Red, green, blue (most models). */
    RGB(3),
    /** Blue, green, red (Caffe-trained models such as the Caffe2 SqueezeNet). */
    BGR(3),
    /** One luminance channel (MNIST-style models). Luminance = 0.299 R + 0.587 G + 0.114 B. */
    GREY(1);

    private final int channels;

    ChannelOrder(int channels) {
        this.channels = channels;
    }

    /** @return the number of channels of this order: 3 for colour, 1 for grey. */
    public int channels() {
        return channels;
    }
}
