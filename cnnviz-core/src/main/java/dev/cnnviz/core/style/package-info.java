/**
 * Texture synthesis and style transfer by optimization on a loss network: {@link dev.cnnviz.core.style.GatysStyle}
 * (Gatys et al. 2016, with multi-scale, style blending and colour preservation) and
 * {@link dev.cnnviz.core.style.TextureSynthesis} (Gatys et al. 2015), both over RGB pixels 0..255 with the loss
 * network cut after its deepest loss layer.
 */
package dev.cnnviz.core.style;
