SELECT secrets FROM {schema}.migrations WHERE id = @id
