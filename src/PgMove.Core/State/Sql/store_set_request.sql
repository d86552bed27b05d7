UPDATE {schema}.migrations SET request = @request WHERE id = @id
