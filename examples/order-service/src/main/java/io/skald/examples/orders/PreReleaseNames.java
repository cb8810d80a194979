package io.skald.examples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import io.skald.examples.orders.inventory.Warehouse;
import io.skald.examples.orders.order.OrderEntity;
import io.skald.examples.orders.payment.CustomerAccount;
import java.util.Map;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * How a service renames or moves a persisted class: the sample's entities are serialized by Pekko's
 * Jackson serializer, which names each event by its class, so when the services moved to a package
 * each (after commit 51f655e), the journals written before name classes that no longer exist. This
 * {@link JacksonMigration}, configured for each old name under {@code
 * pekko.serialization.jackson.migrations} in {@code reference.conf}, tells Pekko the new class.
 */
public final class PreReleaseNames extends JacksonMigration {
  private static final String OLD = "io.skald.examples.orders.";

  /** Old class name to today's class. */
  public static final Map<String, Class<?>> RENAMED =
      Map.ofEntries(
          Map.entry(OLD + "OrderEntity$Placed", OrderEntity.Placed.class),
          Map.entry(OLD + "OrderEntity$Confirmed", OrderEntity.Confirmed.class),
          Map.entry(OLD + "OrderEntity$Rejected", OrderEntity.Rejected.class),
          Map.entry(OLD + "CustomerAccount$Opened", CustomerAccount.Opened.class),
          Map.entry(OLD + "CustomerAccount$Charged", CustomerAccount.Charged.class),
          Map.entry(OLD + "CustomerAccount$Refunded", CustomerAccount.Refunded.class),
          Map.entry(OLD + "Warehouse$StockAdded", Warehouse.StockAdded.class),
          Map.entry(OLD + "Warehouse$Reserved", Warehouse.Reserved.class),
          Map.entry(OLD + "Warehouse$Released", Warehouse.Released.class),
          Map.entry(OLD + "Warehouse$Sold", Warehouse.Sold.class),
          Map.entry(OLD + "Warehouse$State", Warehouse.State.class));

  /** Created by Pekko's Jackson serializer. */
  public PreReleaseNames() {}

  @Override
  public int currentVersion() {
    // above the version of the old writes (1), so that Pekko asks for the class name
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    Class<?> renamed = RENAMED.get(className);
    return renamed == null ? className : renamed.getName();
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
