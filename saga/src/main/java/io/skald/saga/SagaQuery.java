package io.skald.saga;

import java.time.Instant;
import java.util.Objects;

/**
 * A query of a saga's instances by status, time range and definition version, one page at a time
 * (see {@link SagaRunner#query}). Finished instances are read from the index's summaries, which
 * outlive the instances' own journals (retention), without loading them all; instances in flight
 * are read from the index's memory.
 *
 * <p>The time is when the instance entered the status: for a finished status, when it ended.
 *
 * @param status the status
 * @param from the earliest time (inclusive), or null for no bound
 * @param to the latest time (inclusive), or null for no bound
 * @param version only instances of this definition version, or 0 for every version
 * @param limit the most summaries per page, 1 to 1,000
 * @param after the cursor of the previous page ({@link SagaPage#next()}), or null for the first
 */
public record SagaQuery(
    SagaStatus status, Instant from, Instant to, int version, int limit, String after) {

  /** The most summaries in one page. */
  public static final int MAX_LIMIT = 1_000;

  /**
   * Validates the query.
   *
   * @param status the status
   * @param from the earliest time (inclusive), or null for no bound
   * @param to the latest time (inclusive), or null for no bound
   * @param version only instances of this definition version, or 0 for every version
   * @param limit the most summaries per page, 1 to 1,000
   * @param after the cursor of the previous page, or null for the first
   * @throws IllegalArgumentException if a field is out of range
   */
  public SagaQuery {
    Objects.requireNonNull(status, "status");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", was " + limit);
    }
    if (version < 0) {
      throw new IllegalArgumentException("version must be 0 (any) or positive, was " + version);
    }
    if (from != null && to != null && from.isAfter(to)) {
      throw new IllegalArgumentException("from " + from + " is after to " + to);
    }
  }

  /**
   * The first page of every instance of a status, 100 per page.
   *
   * @param status the status
   * @return the query
   */
  public static SagaQuery of(SagaStatus status) {
    return new SagaQuery(status, null, null, 0, 100, null);
  }

  /**
   * Only instances that entered the status in a time range.
   *
   * @param from the earliest time (inclusive), or null
   * @param to the latest time (inclusive), or null
   * @return the query
   */
  public SagaQuery between(Instant from, Instant to) {
    return new SagaQuery(status, from, to, version, limit, after);
  }

  /**
   * Only instances of one definition version.
   *
   * @param version the version, or 0 for every version
   * @return the query
   */
  public SagaQuery ofVersion(int version) {
    return new SagaQuery(status, from, to, version, limit, after);
  }

  /**
   * At most this many summaries per page.
   *
   * @param limit 1 to {@link #MAX_LIMIT}
   * @return the query
   */
  public SagaQuery limit(int limit) {
    return new SagaQuery(status, from, to, version, limit, after);
  }

  /**
   * The page after a previous one.
   *
   * @param cursor the previous page's {@link SagaPage#next()}
   * @return the query
   */
  public SagaQuery after(String cursor) {
    return new SagaQuery(status, from, to, version, limit, cursor);
  }
}
