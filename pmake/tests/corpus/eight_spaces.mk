all:
        echo x
