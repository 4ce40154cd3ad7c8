package dev.cnnviz.dl4j.keras;

import dev.cnnviz.core.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * Run in a child JVM by {@link KerasPureJavaTest}: imports a Keras file (through DL4J's importer when the second
 * argument is {@code dl4j}) and prints the native libraries this process has mapped whose names mention HDF5, one per
 * line, then {@code DONE}.
 */
public final class NativeLibrariesProbe {
    private NativeLibrariesProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Model m = args.length > 1 && args[1].equals("dl4j") ? KerasImporter.loadWithDl4j(file) : KerasImporter.load(file);
        System.out.println("source " + m.source());
        TreeSet<String> hdf5 = new TreeSet<>();
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        for (String line : maps) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.substring(slash).toLowerCase(java.util.Locale.ROOT).contains("hdf5")) {
                hdf5.add(line.substring(slash));
            }
        }
        hdf5.forEach(l -> System.out.println("mapped " + l));
        System.out.println("DONE");
    }
}
