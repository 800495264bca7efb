package dev.offload.api.file;

import javax.sql.DataSource;

import dev.offload.model.files.FileStore;
import dev.offload.model.files.PostgresLargeObjectStore;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The file store the API serves report files from and retention deletes them from: the
 * one the workers write to (PostgreSQL large objects in the report database, the embedded
 * default).
 */
@Configuration(proxyBeanMethods = false)
class FileStoreConfiguration {

	@Bean
	FileStore fileStore(DataSource dataSource) {
		return new PostgresLargeObjectStore(dataSource);
	}

}
