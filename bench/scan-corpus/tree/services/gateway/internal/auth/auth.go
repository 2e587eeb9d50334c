package auth

	Password: cfg.Password,
	token := r.Header.Get("Authorization")
	secret := []byte(os.Getenv("JWT_SECRET"))
	const tokenPrefix = "Bearer "
	var githubSHA = "524b2c03c9d85061bf03b5a46962c5c9efd1200d"
	jwtKey := []byte("eDJ34MNtnw47X9OF4shdle28N2e6NsQm")
	const sessionToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiIwNzQzZmZkN2U5ZGE0MThmIiwidWlkIjo0MiwiZXhwIjoxOTAwMDAwMDAwfQ.UI-iRVx0fQzH1JvglI8lR4hdWjWRECkHThGoOHxKoKg"
	db, _ := sql.Open("postgres", "host=pg user=gateway password=PnNI7lzoTNa3ACZZDu dbname=gw sslmode=require")
