package io.werkstrom.analytics.eval.anomaly;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Lists the {@code .csv} files below a benchmark folder, for the SKAB and NAB readers; the
 * extension may be written in any case ({@code .CSV}).
 * Symbolic links are followed (a data set assembled from links is read whole, not in part).
 * Hidden entries, whose names start with {@code .}, are skipped and each is reported: macOS
 * copies leave {@code ._NAME.csv} AppleDouble files beside the data that are not CSV at all.
 * Stateless.
 */
final class CsvFiles {

    private CsvFiles() {
    }

    /**
     * The {@code .csv} files below {@code dir}, in any subfolder, sorted by path; every hidden
     * file or folder skipped is reported on {@code log}, prefixed by {@code dataset}.
     *
     * @throws EvaluationDataException when a folder cannot be listed, symbolic links form a loop
     *                                 or a {@code .csv} link points nowhere (the message names
     *                                 the path)
     */
    static List<Path> below(Path dir, String dataset, PrintStream log) throws EvaluationDataException {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attrs) {
                            if (!folder.equals(dir) && hidden(folder)) {
                                log.println(dataset + ": skipped hidden folder " + name(dir, folder));
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                            if (!csv(file)) {
                                return FileVisitResult.CONTINUE;
                            }
                            if (hidden(file)) {
                                log.println(dataset + ": skipped hidden file " + name(dir, file));
                            } else if (attrs.isSymbolicLink()) {
                                // Only a link that could not be followed is visited as a link.
                                throw new FileSystemException(file.toString(), null,
                                        "symbolic link to a file that does not exist");
                            } else if (attrs.isRegularFile()) {
                                files.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                            throw e;
                        }
                    });
        } catch (FileSystemLoopException e) {
            throw new EvaluationDataException("cannot list " + dir + ": symbolic links form a loop at "
                    + e.getFile(), e);
        } catch (IOException e) {
            throw new EvaluationDataException("cannot list " + dir + ": " + describe(e), e);
        }
        files.sort(null);
        return files;
    }

    /** The path below {@code dir} with {@code /} separators, as the readers name their files. */
    static String name(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** A name ending in {@code .csv} in any case: files copied from Windows may end in {@code .CSV}. */
    private static boolean csv(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    private static boolean hidden(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    /** The JDK leaves some messages at the bare path (an AccessDeniedException): add what it is. */
    private static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            return f.getFile() + ": " + e.getClass().getSimpleName();
        }
        return e.getMessage();
    }
}
