Stripe.api_key = 'sk_live_m3hfngZ3evv6Y2Cz12tiC5e4'
ShopifyAPI::Context.setup(api_key: 'b1bc75319a981c1543a55cfb405fa83c', api_secret_key: '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')
Shopify.access_token = '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'
Shopify.private_app_password = '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'
Rails.application.config.secret_key_base = 'f7452109dc0c8d5aa13cc7475964afa0286d9ed2b72e9c6b185ba01feab7888c05491db9005586fb77099e336c4f240687eafe6b009daf5bafd5640765c94f85'
Rails.application.config.secret_key_base = ENV.fetch('SECRET_KEY_BASE')
Square::Client.new(access_token: 'sq0atp-EyOta9x5lJtmPoxUpi1Rvy')
Sentry.init { |c| c.dsn = 'https://bfce0e056f63b0973c949cdd16d7e8d2@o893948.ingest.us.sentry.io/4421060' }
devise_password_length = 12..128
config.action_mailer.smtp_settings = { user_name: 'apikey', password: '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' }
