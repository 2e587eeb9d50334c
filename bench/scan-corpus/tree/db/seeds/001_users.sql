INSERT INTO users (id, email, password_hash, created_at) VALUES
  (1, 'admin@corp.internal', '$2b$12$PNLIM0O5uR2q2sHBNWWzozxKyjUhAfl8Sl4UZnhNkbfiv/106Ll/f', now()),
  (2, 'ops@corp.internal', '$2a$10$eYQkaNaRpOx7Kx.caGDcEBVi7EZDVDRviDHm6d2Ea4OgdwcySp5/6', now()),
  (3, 'svc@corp.internal', '$argon2id$v=19$m=65536,t=3,p=4$fhe6DDlZdrSGn3er8/bSoA$bZfgpoEQ2NaJVxFnq++jHcueYotfoafrHZEeWTS5sto', now());
ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;
CREATE USER reporting WITH PASSWORD '29A1zdT6dPkbFK8yvc';
ALTER USER app IDENTIFIED BY 'Comet1994?';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;
INSERT INTO api_clients (client_id, name) VALUES ('ec75e58c-6f9e-4b17-9390-88e3c7d14282', 'mobile');
