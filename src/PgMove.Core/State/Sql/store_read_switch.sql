SELECT switch_settings FROM {schema}.migrations WHERE id = @id
