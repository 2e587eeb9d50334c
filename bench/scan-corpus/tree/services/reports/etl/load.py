import psycopg2
import pymysql
import boto3

conn = psycopg2.connect(host="warehouse.corp.internal", user="etl", password="MW4Kd8?WjrA+buk=", dbname="dw")
mysql = pymysql.connect(host='legacy-db', user='report', passwd='Lanternpuzzle4*&', db='crm')
s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIACXA3MY34F7AFOUJQ",
    aws_secret_access_key="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",
)
engine = create_engine("mssql+pyodbc://etl:gtp9qefElyrvCh@dwh-sql/dw?driver=ODBC+Driver+18")
SFTP_PASSWORD = "MAR2016ble#"
SFTP_PASSWORD_ENV = "SFTP_PASSWORD"
password = getpass.getpass('Password: ')
DEFAULT_TOKEN_EXPIRY = timedelta(hours=1)
REQUEST_ID = "c0674dd2-0561-479e-b4bd-a9993bd265d0"
api_key: str = "8572cb1019c6bf0aff12f6aaad044628"
api_key: str = Field(..., description='API key used to call the partner')
HEADERS = {'X-API-Key': 'SfXlUXN0eFHmDbyktTYXJxWu7twrCTp5'}
client = Minio('minio.corp.internal:9000', access_key='minioadmin-ci', secret_key='Hw6qlldmhUlxUAXpW0Emao7QSQ6kvoxp')
