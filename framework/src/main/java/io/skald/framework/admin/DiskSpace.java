package io.skald.framework.admin;

/**
 * The disk-space alarm of the node's embedded journal ({@code skald.framework.disk}): while free
 * space is below the limit, partitions refuse appends with a {@link
 * io.skald.framework.producer.BackpressureException} of limit {@code DISK_SPACE}, and it clears by
 * itself once space is back.
 *
 * @param path the watched directory ({@code skald.framework.data-dir}), or null if nothing is
 *     watched (a database journal, or the alarm is off)
 * @param freeBytes the free bytes at the last check, or -1
 * @param limitBytes the limit, or -1 when not watched
 * @param alarm true while appends are refused
 */
public record DiskSpace(String path, long freeBytes, long limitBytes, boolean alarm) {

  /**
   * Nothing watched.
   *
   * @return the state of a node without the alarm
   */
  public static DiskSpace unwatched() {
    return new DiskSpace(null, -1, -1, false);
  }

  /**
   * Whether the alarm watches a filesystem.
   *
   * @return false for a database journal or with the alarm off
   */
  public boolean watched() {
    return path != null;
  }
}
