package io.skald.cluster.internal;

import com.typesafe.config.Config;
import io.skald.cluster.PostgresSchema;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.jdbc.db.DefaultSlickDatabaseProvider;
import org.apache.pekko.persistence.jdbc.db.SlickDatabase;
import org.apache.pekko.persistence.jdbc.db.SlickDatabaseProvider;

/**
 * INTERNAL API: pekko-persistence-jdbc's database provider, which first creates Skald's tables when
 * {@code skald.cluster.postgres.create-schema} is on. The journal plugin asks for its database when
 * it starts, before its first write, so the tables exist before any entity persists.
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
    if (postgres.getBoolean("create-schema")) {
      PostgresSchema.create(
          postgres.getString("url"), postgres.getString("user"), postgres.getString("password"));
    }
    schemaReady = true;
  }
}
