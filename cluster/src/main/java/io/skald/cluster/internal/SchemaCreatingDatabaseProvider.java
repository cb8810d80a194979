package io.skald.cluster.internal;

import com.typesafe.config.Config;
import io.skald.cluster.PostgresSchema;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.jdbc.db.DefaultSlickDatabaseProvider;
import org.apache.pekko.persistence.jdbc.db.SlickDatabase;
import org.apache.pekko.persistence.jdbc.db.SlickDatabaseProvider;

/**
 * INTERNAL API: pekko-persistence-jdbc's database provider, which first creates Skald's tables when
 * {@code skald.cluster.postgres.create-schema} is on, or checks that they exist when it is off.
 * Skald opens its read journal while it starts, so a database that cannot be reached or lacks the
 * tables fails {@code Skald.start} with a {@code SkaldException} instead of timing out later.
 */
public final class SchemaCreatingDatabaseProvider implements SlickDatabaseProvider {
  private final ActorSystem system;
  private final DefaultSlickDatabaseProvider delegate;
  private boolean schemaReady;

  /**
   * Created by pekko-persistence-jdbc with the actor system.
   *
   * @param system the classic actor system
   */
  public SchemaCreatingDatabaseProvider(ActorSystem system) {
    this.system = system;
    this.delegate = new DefaultSlickDatabaseProvider(system);
  }

  @Override
  public SlickDatabase database(Config config) {
    ensureSchema();
    return delegate.database(config);
  }

  private synchronized void ensureSchema() {
    if (schemaReady) {
      return;
    }
    Config postgres = system.settings().config().getConfig("skald.cluster.postgres");
    String url = postgres.getString("url");
    String user = postgres.getString("user");
    String password = postgres.getString("password");
    if (postgres.getBoolean("create-schema")) {
      PostgresSchema.create(url, user, password);
    } else {
      PostgresSchema.verify(url, user, password);
    }
    schemaReady = true;
  }
}
