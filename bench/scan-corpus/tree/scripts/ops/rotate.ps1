$password = ConvertTo-SecureString "Dn^_fzkVJ1!*seB3Dl" -AsPlainText -Force
$cred = Get-Credential -UserName "CORP\svc-rotate" -Message "Enter password"
$env:AZURE_CLIENT_SECRET = "CJB8Q~X0HesLl.dYR.hV1SMSJhywzuyYUXb_h0HK"
