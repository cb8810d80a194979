package io.skald.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Human tables by default, the API's JSON with {@code --output json}. */
final class Output {
  enum Format {
    table,
    json
  }

  private final PrintWriter out;
  private final Format format;

  Output(PrintWriter out, Format format) {
    this.out = out;
    this.format = format;
  }

  boolean json() {
    return format == Format.json;
  }

  /** Prints the JSON as it came, pretty; returns true if it did (so no table is wanted). */
  boolean raw(JsonNode body) {
    if (format != Format.json) {
      return false;
    }
    try {
      out.println(AdminApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
    return true;
  }

  void line(String text) {
    out.println(text);
    out.flush();
  }

  /** A table: a header row and rows, each column as wide as its widest cell. */
  void table(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        line.append(cell);
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - cell.length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? "-" : node.asText();
  }
}
