-- The sales data reports are built from. The seeder fills it (report-worker, profile "seed");
-- in a real deployment this would be a read replica of the shop's own database.
CREATE SCHEMA IF NOT EXISTS sales;

CREATE TABLE sales.regions (
    id   integer PRIMARY KEY,
    name text    NOT NULL UNIQUE
);

CREATE TABLE sales.customers (
    id         bigint  PRIMARY KEY,
    name       text    NOT NULL,
    region_id  integer NOT NULL REFERENCES sales.regions (id)
);

CREATE TABLE sales.products (
    id         bigint        PRIMARY KEY,
    sku        text          NOT NULL UNIQUE,
    name       text          NOT NULL,
    category   text          NOT NULL,
    unit_price numeric(12,2) NOT NULL CHECK (unit_price >= 0)
);

CREATE TABLE sales.orders (
    id          bigint  PRIMARY KEY,
    customer_id bigint  NOT NULL REFERENCES sales.customers (id),
    ordered_on  date    NOT NULL
);
CREATE INDEX orders_ordered_on ON sales.orders (ordered_on);

CREATE TABLE sales.order_lines (
    order_id   bigint        NOT NULL REFERENCES sales.orders (id),
    line_no    integer       NOT NULL,
    product_id bigint        NOT NULL REFERENCES sales.products (id),
    quantity   integer       NOT NULL CHECK (quantity > 0),
    unit_price numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);
