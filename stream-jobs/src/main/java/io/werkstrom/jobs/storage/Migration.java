package io.werkstrom.jobs.storage;

/**
 * One versioned migration as resolved for one flavour.
 *
 * @param version     the number after {@code V} in the file name
 * @param description the words after {@code __}, with {@code _} read as a space
 * @param resource    the classpath resource the SQL came from
 * @param sql         the script, with line endings normalised to {@code \n}
 * @param checksum    SHA-256 of {@code sql}, hex; recorded when applied and compared on every run
 */
public record Migration(int version, String description, String resource, String sql, String checksum) {
}
