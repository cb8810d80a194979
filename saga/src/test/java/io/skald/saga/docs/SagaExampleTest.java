package io.skald.saga.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skald.framework.Skald;
import io.skald.saga.Endpoint;
import io.skald.saga.SagaChoreography;
import io.skald.saga.SagaDefinition;
import io.skald.saga.SagaOrchestrator;
import io.skald.saga.SagaStatus;
import io.skald.saga.Sagas;
import io.skald.testkit.Await;
import io.skald.testkit.SkaldTestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The example of docs/sagas.md, compiled and run by the suite. */
class SagaExampleTest {
  // --- the example starts here
  record Trip(String id, String traveller, String hotelBooking, String flightBooking) {
    Trip withHotel(String booking) {
      return new Trip(id, traveller, booking, flightBooking);
    }

    Trip withFlight(String booking) {
      return new Trip(id, traveller, hotelBooking, booking);
    }
  }

  record BookHotel(String tripId) {}

  record CancelHotel(String tripId) {}

  record HotelBooked(String bookingId) {}

  record NoRoom(String reason) {}

  record BookFlight(String tripId) {}

  record FlightBooked(String bookingId) {}

  record NoSeat(String reason) {}

  record SendItinerary(String tripId) {}

  // #sagas-endpoints
  static final Endpoint<BookHotel> BOOK_HOTEL =
      Endpoint.of("hotel.book", "hotel-commands", BookHotel.class)
          .replies(HotelBooked.class)
          .failures(NoRoom.class);
  static final Endpoint<CancelHotel> CANCEL_HOTEL =
      Endpoint.of("hotel.cancel", "hotel-commands", CancelHotel.class);
  // #sagas-endpoints
  static final Endpoint<BookFlight> BOOK_FLIGHT =
      Endpoint.of("flight.book", "flight-commands", BookFlight.class)
          .replies(FlightBooked.class)
          .failures(NoSeat.class);
  static final Endpoint<SendItinerary> SEND_ITINERARY =
      Endpoint.of("mail.itinerary", "mail-commands", SendItinerary.class);

  // #sagas-definition
  static final SagaDefinition<Trip> BOOK_TRIP =
      SagaDefinition.named("book-trip", Trip.class)
          .step("book-hotel")
          .invoke(BOOK_HOTEL, trip -> new BookHotel(trip.id()))
          .onReply(HotelBooked.class, (trip, booked) -> trip.withHotel(booked.bookingId()))
          .compensateWith(CANCEL_HOTEL, trip -> new CancelHotel(trip.id()))
          .timeout(Duration.ofSeconds(10))
          .step("book-flight")
          .invoke(BOOK_FLIGHT, trip -> new BookFlight(trip.id()))
          .onReply(FlightBooked.class, (trip, booked) -> trip.withFlight(booked.bookingId()))
          .pivot()
          .step("send-itinerary")
          .invoke(SEND_ITINERARY, trip -> new SendItinerary(trip.id()))
          .retriable()
          .build();

  // #sagas-definition

  static SagaOrchestrator<Trip> run(Skald skald) {
    // #sagas-orchestrator
    Sagas sagas = Sagas.create(skald);
    sagas
        .participant("hotel")
        .on(BOOK_HOTEL, (cmd, ctx) -> CompletableFuture.completedFuture(new HotelBooked("H-1")))
        .on(CANCEL_HOTEL, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .start();
    // the airline and mail participants alike; then:
    // #sagas-orchestrator
    sagas
        .participant("airline")
        .on(
            BOOK_FLIGHT,
            (cmd, ctx) ->
                CompletableFuture.completedFuture(
                    cmd.tripId().startsWith("full")
                        ? new NoSeat("fully booked")
                        : new FlightBooked("F-7")))
        .start();
    sagas
        .participant("mail")
        .on(SEND_ITINERARY, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .start();

    // #sagas-orchestrator
    SagaOrchestrator<Trip> trips = sagas.orchestrator(BOOK_TRIP);
    trips.start("trip-1", new Trip("trip-1", "ada", null, null)).toCompletableFuture().join();
    // #sagas-orchestrator
    trips.start("full-2", new Trip("full-2", "bob", null, null)).toCompletableFuture().join();
    return trips;
  }

  // --- the example ends here

  /** The operator's view of the runner; run on finished instances, where each call is harmless. */
  static void operate(SagaOrchestrator<Trip> trips) {
    // #sagas-operations
    trips.list(SagaStatus.PARKED); // ids, from an index updated after each transition
    trips.counts(); // instances per status
    trips.get("trip-9"); // status, data, every step, full history
    trips.retry("trip-9"); // parked: run the failed step or compensation again
    trips.skip("trip-9"); // parked: mark it done without running it, and continue
    trips.compensate("trip-9"); // running or parked: turn back now (not past the pivot)
    trips.abort("trip-9"); // stop where it is, without compensating
    // #sagas-operations
  }

  /** The choreographed variant (compiled; the orchestrated one runs below). */
  static SagaChoreography<Trip> choreograph(Skald skald, Trip trip) {
    Sagas sagas = Sagas.create(skald);
    // #sagas-choreography
    sagas
        .participant("hotel")
        .on(BOOK_HOTEL, (cmd, ctx) -> CompletableFuture.completedFuture(new HotelBooked("H-1")))
        .on(CANCEL_HOTEL, (cmd, ctx) -> CompletableFuture.completedFuture(null))
        .follow(BOOK_TRIP) // take part in the choreography of this saga
        .start();
    // ... the other participants alike

    SagaChoreography<Trip> trips = sagas.choreography(BOOK_TRIP);
    trips.start("trip-1", trip); // emits `started`
    // #sagas-choreography
    return trips;
  }

  @Test
  void theExampleRunsAndTheDocsShowItsDiagram() throws Exception {
    SkaldTestNode node = SkaldTestNode.start();
    try {
      SagaOrchestrator<Trip> trips = run(node.skald());
      Await.until(
          node.skald().system(),
          Duration.ofSeconds(20),
          () -> {
            assertEquals(
                SagaStatus.COMPLETED,
                trips.get("trip-1").toCompletableFuture().join().get().status());
            assertEquals(
                SagaStatus.COMPENSATED,
                trips.get("full-2").toCompletableFuture().join().get().status());
          });
      assertEquals(
          "F-7", trips.get("trip-1").toCompletableFuture().join().get().data().flightBooking());
      operate(trips); // trip-9 does not exist: every call fails its stage, nothing else happens
    } finally {
      node.close();
      node.deleteDataDir();
    }
    String docs = Files.readString(Path.of("..", "docs", "sagas.md"));
    assertTrue(
        docs.contains("```mermaid\n" + BOOK_TRIP.toMermaid() + "```"),
        "docs/sagas.md shows the diagram of the example:\n" + BOOK_TRIP.toMermaid());
  }
}
