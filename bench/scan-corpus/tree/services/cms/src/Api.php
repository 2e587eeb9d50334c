<?php

class Api
{
    private string $password = '';
    public function __construct(private string $apiKey = '') {}
    private const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbXMiLCJpYXQiOjE3MDAwMDAwMDB9.cmNclxv2VNa9ooVfMFqYzMEfuqpu37hnMC5VRfrcq_I';
    private $apiSecret = 'F3BmMzWlQJmxisK0RkbvGmD46wUi';
    $hash = password_hash($password, PASSWORD_ARGON2ID);
}
