import { Pool } from 'pg';

export const pool = new Pool({
  connectionString: 'postgresql://api:aeiWu8Jx6RwktUoBi7Q9ei@pg.corp.internal/api',
});

export const legacy = mysql.createConnection({
  host: 'legacy-db',
  user: 'api',
  password: 'I%w0Z0_oEWvWil9B',
});
export const redisUrl = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;
