package io.cdclr.connector.replication;

/** The replication slot cannot be used as configured; the message names the slot and says why. */
public class SlotException extends RuntimeException {
    public SlotException(String message) {
        super(message);
    }

    public SlotException(String message, Throwable cause) {
        super(message, cause);
    }
}
