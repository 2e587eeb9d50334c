<?php

return [
    'mailgun' => [
        'domain' => 'mg.corp.example',
        'secret' => '583c1dee06d83d497e43bb62a24db01e-0d688cfb-25a25738',
    ],
    'stripe' => [
        'secret' => env('STRIPE_SECRET'),
    ],
    'partner' => [
        'api_key' => 'aOn3Bi1HcfoyTetcIJU5fAz2iBPrMDmkvJ811ciG',
        'password' => "P3pp3r666",
    ],
];
$pdo = new PDO('mysql:host=db;dbname=cms', 'cms', 'in@EvJIFLv-vV7+R');
$password = $_POST['password'] ?? '';
if (password_verify($password, $user->password_hash)) {
