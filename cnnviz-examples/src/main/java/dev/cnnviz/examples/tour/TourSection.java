package dev.cnnviz.examples.tour;

import java.util.ArrayList;
import java.util.List;

/**
 * One page of the tour: a lecture section (inspect, attribute, synthesize, stylize, attack) as a list of steps, each
 * giving one figure. {@link #run} runs them in order with a progress bar on the context's stderr and measures each.
 *
 * <p>A new family of techniques adds its figures by adding steps to its section (or a section of its own, listed in
 * {@link Tour#sections()}).
 */
public interface TourSection {
    /** @return the page's file stem and the name in the nav bar, e.g. {@code "attribute"} */
    String name();

    /** @return the page's title, e.g. {@code "Attribution: which pixels matter"} */
    String title();

    /** @return one or two sentences (HTML) introducing the page */
    String intro();

    /**
     * @param ctx the tour's model, image and dataset
     * @return the steps of this section on that model, in page order
     */
    List<TourStep> steps(TourContext ctx);

    /**
     * Runs every step, timing each, with a progress bar. A step that throws {@link IllegalArgumentException} (it
     * does not apply to this model) becomes a text figure saying so, and the reason is printed on stderr; any other
     * exception stops the tour.
     *
     * @return the figures, in page order
     * @throws Exception if a step fails
     */
    default List<Figure> run(TourContext ctx) throws Exception {
        List<TourStep> steps = steps(ctx);
        List<Figure> out = new ArrayList<>();
        TourProgress bar = new TourProgress(ctx.err(), name(), steps.size());
        for (TourStep s : steps) {
            bar.step(s.technique());
            long t0 = System.nanoTime();
            Figure f;
            try {
                f = s.work().run();
            } catch (IllegalArgumentException e) {
                ctx.err().println();
                ctx.err().println("tour " + name() + ": " + s.technique() + " does not apply to this model: " + e.getMessage());
                f = Figure.text(s.technique(), "", "not run", "Not applicable to this model: " + e.getMessage());
            }
            out.add(f.withSeconds((System.nanoTime() - t0) / 1e9));
        }
        bar.done();
        return out;
    }
}
