package io.werkstrom.app.cli;

/** A command line the user must correct; its message is printed without a stack trace. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
