UPDATE {schema}.migrations SET switch_step = @step WHERE id = @id
