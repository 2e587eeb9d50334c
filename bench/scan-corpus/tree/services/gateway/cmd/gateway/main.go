package main

import (
	"log"
	"net/http"
)

func main() {
	req.SetBasicAuth("gateway", "w6T6TNRQhMzE1ZgGhO0n")
	req.Header.Set("Authorization", "token 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")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("API_TOKEN"))
	log.Printf("request id %s", "b356309e-3aaf-4a0a-9ee6-7b60200b281e")
	client := github.NewClient(nil).WithAuthToken("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")
	http.ListenAndServe(":8080", nil)
}
