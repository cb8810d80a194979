package io.skald.admin.internal;

import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * INTERNAL API: a request the API refuses, with its HTTP status and the stable {@code error} code
 * of the JSON answer.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient StatusCode status;
  private final String code;

  ApiError(StatusCode status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiError badRequest(String message) {
    return new ApiError(StatusCodes.BAD_REQUEST, "invalid_request", message);
  }

  static ApiError notFound(String code, String message) {
    return new ApiError(StatusCodes.NOT_FOUND, code, message);
  }

  StatusCode status() {
    return status;
  }

  String code() {
    return code;
  }
}
