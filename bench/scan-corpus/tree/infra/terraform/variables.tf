variable "db_password" {
  type      = string
  sensitive = true
  description = "Master password for the orders database"
}

variable "api_token" {
  type    = string
  default = ""
}

variable "grafana_admin_password" {
  type    = string
  default = "Gingercanyon5$%"
}
