package dev.offload.worker.storage;

import javax.sql.DataSource;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.PostgresLargeObjectStore;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The file store the worker writes finished reports into: PostgreSQL large objects in the
 * report database (the embedded default, which needs nothing beside PostgreSQL).
 */
@Configuration(proxyBeanMethods = false)
class FileStoreConfiguration {

	@Bean
	FileStore fileStore(DataSource dataSource) {
		return new PostgresLargeObjectStore(dataSource);
	}

}
