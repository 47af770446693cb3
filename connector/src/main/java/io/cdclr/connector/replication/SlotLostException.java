package io.cdclr.connector.replication;

/**
 * The replication slot this task streamed from (or whose position is stored) is gone: dropped, or invalidated by
 * the server ({@code wal_status = 'lost'}, e.g. past {@code max_slot_wal_keep_size}). Changes after the last
 * confirmed LSN may be lost, so this is never retried and the slot is never re-created behind the operator's back:
 * starting over is a deliberate act ({@code java -jar cdc-runner.jar reset}).
 *
 * <p>The message is one line: slot, what happened, the last confirmed LSN, what may be lost and how to start over.
 */
public final class SlotLostException extends SlotException {
    /** How the runner's documentation tells the operator to start over; also named in every message. */
    public static final String RESET_HINT = "to start over from now on purpose, run 'java -jar cdc-runner.jar reset'"
            + " (Kafka Connect: delete the connector's offsets and re-create the slot)";

    private final String slot;
    private final String reason;
    private final Lsn lastConfirmed;

    public SlotLostException(String slot, String reason, Lsn lastConfirmed) {
        this(slot, reason, lastConfirmed, null);
    }

    public SlotLostException(String slot, String reason, Lsn lastConfirmed, Throwable cause) {
        super(message(slot, reason, lastConfirmed), cause);
        this.slot = slot;
        this.reason = reason;
        this.lastConfirmed = lastConfirmed == null ? Lsn.INVALID : lastConfirmed;
    }

    static String message(String slot, String reason, Lsn lastConfirmed) {
        String lsn = lastConfirmed != null && lastConfirmed.isValid() ? lastConfirmed.toString() : "unknown";
        return "Replication slot '" + slot + "' " + reason + ": last confirmed LSN " + lsn
                + "; changes after it may be lost and the slot is not re-created automatically; " + RESET_HINT;
    }

    public String slot() {
        return slot;
    }

    public String reason() {
        return reason;
    }

    public Lsn lastConfirmed() {
        return lastConfirmed;
    }

    /** The same loss with the best known confirmed position (the caller may know more than where it was found). */
    public SlotLostException withLastConfirmed(Lsn known) {
        Lsn best = Lsn.max(lastConfirmed, known == null ? Lsn.INVALID : known);
        return best.equals(lastConfirmed) ? this : new SlotLostException(slot, reason, best, getCause());
    }

    /** The slot loss somewhere in {@code error}'s cause chain, or null. */
    public static SlotLostException find(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SlotLostException lost) {
                return lost;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
