<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'FXEwV4fHfFpF*YpjuG2E' );
define( 'DB_HOST', 'mysql.corp.internal' );
define( 'AUTH_KEY', '&dg]7c4?Vel0mZ9Of{^|JIb|l3VhqvuN=2=WkS)k42J>c3!!I{plGO<Kj~<xAnAF' );
define( 'SECURE_AUTH_KEY', 'N2@U@snU-$CcAm%ujY[|C{9M:%=tg2nMcu$ucvN~iAtES0GyaPPV~dJ;+%ONE|a,' );
define( 'LOGGED_IN_KEY', 'vktTNdIplkh|?o1(j8)4?ooFF/gV)Sn8ryAY%78J~b@$}oOOsrzvV2V^*5gPKs2j' );
define( 'NONCE_KEY', 'h7qS&)cu/}O>$Zt4M[YaY$H-s69xXaR=Zc-O!r)L-0m1n/XL$lvaQ}lTC2Fj6*5Q' );
define( 'AUTH_SALT', 'c/85PD~,N1?f]Y3}h|*yHaY%[O_mGG/@#lO<:#/&E610ZTRkCyrc*e#<lX(Ux}IF' );
define( 'WP_DEBUG', false );
