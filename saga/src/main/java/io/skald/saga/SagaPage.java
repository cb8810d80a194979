package io.skald.saga;

import java.util.List;

/**
 * One page of a {@link SagaQuery}. A page may hold fewer summaries than the limit (or none) and
 * still have a next one: a page reads a bounded part of the index. Go on while {@link #hasNext()}.
 *
 * @param items the summaries, oldest first
 * @param next the cursor of the next page ({@link SagaQuery#after(String)}), or null at the end
 */
public record SagaPage(List<SagaSummary> items, String next) {
  /**
   * Copies the summaries.
   *
   * @param items the summaries, oldest first
   * @param next the cursor of the next page, or null at the end
   */
  public SagaPage {
    items = List.copyOf(items);
  }

  /**
   * Whether there may be more.
   *
   * @return true when {@link #next()} is set
   */
  public boolean hasNext() {
    return next != null;
  }
}
