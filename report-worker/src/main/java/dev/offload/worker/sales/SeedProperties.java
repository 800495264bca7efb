package dev.offload.worker.sales;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The size of the generated sales data ({@code offload.seed.*}), used when the worker
 * runs with the {@code seed} profile.
 *
 * @param orders how many orders to generate; customers are a twentieth of that (at least
 * 50), with 500 products, 8 regions and 1 to 5 lines per order
 */
@ConfigurationProperties("offload.seed")
@Validated
record SeedProperties(@DefaultValue("100000") @Min(1) int orders) {

}
