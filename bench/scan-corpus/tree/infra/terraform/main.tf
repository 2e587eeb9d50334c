terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket = "corp-tf-state"
    key    = "prod/terraform.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" {
  region     = var.region
  access_key = "AKIAH7BA4EFOXDWDMZQJ"
  secret_key = "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"
}

provider "alicloud" {
  access_key = "LTAI2GNzvZM1Gscl27n8nD10"
  secret_key = "mlIRRiGJnQHfS1riT5vPMjChwEdn6m"
  region     = "cn-hangzhou"
}

provider "tencentcloud" {
  secret_id  = "AKIDDbFXtPY5oEAU3O347EpjJlof4mV7aPz5"
  secret_key = "3qt8aR9oHS5L3jTYoAkN9IDe6zHCHbOc"
}

provider "ibm" {
  ibmcloud_api_key = "D3GIdUw8wZueAR5B51WjkDwTPBuyNq9TnbJwwjV3Gpey"
}

provider "oci" {
  tenancy_ocid     = var.tenancy_ocid
  user_ocid        = "ocid1.user.oc1..aaaaaaaaiwyeagev0r9tmxb1upaiv1b1pogemt18a1r1v8u8bbyk6fnmbdsl"
  fingerprint      = "cc:3f:37:05:be:c7:d0:54:ef:46:b2:1a:8c:f9:c3:20"
  private_key_path = "~/.oci/oci_api_key.pem"
}

resource "aws_db_instance" "orders" {
  identifier     = "orders-prod"
  engine         = "postgres"
  username       = "orders_admin"
  password       = var.db_password
  manage_master_user_password = true
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id     = aws_secretsmanager_secret.api.id
  secret_string = jsonencode({ api_key = random_password.api.result })
}

resource "random_password" "api" {
  length  = 32
  special = true
}

data "aws_secretsmanager_secret_version" "stripe" {
  secret_id = "arn:aws:secretsmanager:eu-west-1:481516234200:secret:prod/stripe-Ab12Cd"
}

resource "azurerm_key_vault_secret" "sp" {
  name         = "sp-client-secret"
  value        = "JSh8Q~3HHLIOdO-eXmdmLaboTrm0fpQqVC19Pl41"
  key_vault_id = azurerm_key_vault.main.id
}
