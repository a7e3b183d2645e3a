package io.werkstrom.gateway.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A disk that runs out of space on command, for {@link Spool}'s files: a write that would grow a
 * file past the bytes left free writes what fits and then fails as a full file system does
 * ({@code No space left on device}); truncating gives space back, overwriting bytes a file already
 * has needs none. It also counts the forces of each file and knows which files are still open.
 * Not thread-safe (the spool serializes its calls).
 */
final class FillingDisk implements Spool.FileChannels {

    static final String NO_SPACE = "No space left on device";

    private long free = Long.MAX_VALUE;
    private long failures;
    private final Map<Path, Integer> forces = new HashMap<>();
    private final List<Channel> opened = new ArrayList<>();

    /** Leaves {@code bytes} free from now on. */
    void leaveFree(long bytes) {
        free = bytes;
    }

    /** Space enough again. */
    void freeSpace() {
        free = Long.MAX_VALUE;
    }

    /** Writes refused for want of space so far. */
    long failures() {
        return failures;
    }

    /** How many times {@code file} was forced to disk so far. */
    int forces(Path file) {
        return forces.getOrDefault(file, 0);
    }

    /** The files opened through this disk and not closed since, once per channel. */
    List<Path> openFiles() {
        return opened.stream().filter(FileChannel::isOpen).map(channel -> channel.path).toList();
    }

    @Override
    public FileChannel open(Path path, OpenOption... openOptions) throws IOException {
        Channel channel = new Channel(path, FileChannel.open(path, openOptions));
        opened.add(channel);
        return channel;
    }

    private final class Channel extends FileChannel {

        private final Path path;
        private final FileChannel file;

        Channel(Path path, FileChannel file) {
            this.path = path;
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (free == Long.MAX_VALUE) {
                return file.write(src, position);
            }
            long size = file.size();
            long fits = Math.max(0, size - position) + free;
            if (fits == 0 && src.hasRemaining()) {
                failures++;
                throw new IOException(NO_SPACE);
            }
            ByteBuffer part = src.slice();
            part.limit((int) Math.min(part.limit(), fits));
            int written = file.write(part, position);
            src.position(src.position() + written);
            free -= Math.max(0, position + written - size);
            return written;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int written = write(src, file.position());
            file.position(file.position() + written);
            return written;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                written += write(srcs[i]);
            }
            return written;
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            long before = file.size();
            file.truncate(size);
            if (free != Long.MAX_VALUE) {
                free += Math.max(0, before - file.size());
            }
            return this;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            file.force(metaData);
            forces.merge(path, 1, Integer::sum);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException("the spool does not transfer into its files");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException("the spool does not map its files");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }
}
