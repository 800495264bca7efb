package dev.offload.worker.catalogue;

import javax.sql.DataSource;

import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.sales.SalesSeeder;
import org.flywaydb.core.Flyway;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A database of its own with the schema migrated and the sales data seeded (the seed is
 * deterministic), for report type tests: {@link #reportData()} for the type under test,
 * {@link #jdbc()} for the test's own queries. Close it to drop the database.
 */
public final class SeededSales implements AutoCloseable {

	private final TestDatabase database;

	private final DataSource dataSource;

	private final SalesSeeder.SeedResult seed;

	private SeededSales(TestDatabase database, DataSource dataSource, SalesSeeder.SeedResult seed) {
		this.database = database;
		this.dataSource = dataSource;
		this.seed = seed;
	}

	/**
	 * Creates the database and seeds it.
	 * @param orders how many orders to seed
	 * @return the seeded database
	 */
	public static SeededSales create(int orders) {
		TestDatabase database = TestDatabase.create();
		try {
			DriverManagerDataSource dataSource = new DriverManagerDataSource(database.jdbcUrl(), database.username(),
					database.password());
			Flyway.configure().dataSource(dataSource).load().migrate();
			SalesSeeder seeder = new SalesSeeder(JdbcClient.create(dataSource),
					new DataSourceTransactionManager(dataSource));
			return new SeededSales(database, dataSource, seeder.seed(orders));
		}
		catch (RuntimeException ex) {
			database.close();
			throw ex;
		}
	}

	/**
	 * The report data a type under test reads.
	 * @return the report data
	 */
	public ReportData reportData() {
		return ReportData.of(this.dataSource);
	}

	/**
	 * A client for the test's own, independent queries.
	 * @return the client
	 */
	public JdbcClient jdbc() {
		return JdbcClient.create(this.dataSource);
	}

	/**
	 * The database.
	 * @return the database
	 */
	public TestDatabase database() {
		return this.database;
	}

	/**
	 * What the seed created.
	 * @return the seed's result
	 */
	public SalesSeeder.SeedResult seed() {
		return this.seed;
	}

	@Override
	public void close() {
		this.database.close();
	}

}
