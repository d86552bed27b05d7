UPDATE {schema}.migrations SET switch_settings = @settings WHERE id = @id
