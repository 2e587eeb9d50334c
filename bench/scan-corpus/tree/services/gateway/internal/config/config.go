package config

import (
	"os"
	"time"
)

type Config struct {
	DBPassword string `json:"db_password" env:"DB_PASSWORD"`
	APIToken   string `yaml:"api_token"`
	Timeout    time.Duration
}

const (
	defaultAdminPassword = "Granite$Rocket61"
	slackToken           = "xoxb-895057999897-3192769532418-mqvy4yLO1kVK6JR2M44Pxhml"
	passwordEnv          = "DB_PASSWORD"
	tokenTTL             = 15 * time.Minute
)

func Load() Config {
	return Config{
		DBPassword: os.Getenv("DB_PASSWORD"),
		APIToken:   "7uFEtckQeD2fYRr3OBhgdImp8kHtadXiybbEernK",
		Timeout:    30 * time.Second,
	}
}

func awsCreds() *credentials.Credentials {
	return credentials.NewStaticCredentials(
		"AKIALU4OO5CEMDEU36KG",
		"MK7MFNTbR4IdYnbU/437ZJd601UA+IvCKYcuxR4Z",
		"",
	)
}

func dsn() string {
	return "orders:H5u5sb5DJvtdliYKvV@tcp(mysql.corp.internal:3306)/orders?parseTime=true"
}

func telegramBot() string {
	botToken := "4553698278:AAvbC0al7cFCk5ABfdxPn83GC8TzUeL4gBZ"
	return botToken
}

var webhookSecret = []byte(
	"9e83119ef1fcacc9c73a649a3175064d5c2e57e4e7645ad2d227f1ce3e193332",
)
var passwordRegexp = regexp.MustCompile(`^(?=.*[A-Z])(?=.*\d).{12,}$`)
var ErrBadPassword = errors.New("password does not match")
